from bench.context import Context, Figure, Skip


async def measure_one(ctx: Context) -> Figure:
    raise Skip("not written yet")


async def measure_two(ctx: Context) -> Figure:
    raise Skip("not written yet")
