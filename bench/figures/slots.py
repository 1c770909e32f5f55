from bench.context import Context, Figure, Skip


async def measure(ctx: Context) -> Figure:
    raise Skip("not written yet")
