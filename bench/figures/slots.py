"""Figure 5: the slots query for one day, on a restaurant with 60 tables and 30 days booked.

Seeding goes straight into the reservations schema as the reservations role (about 60 % of
every table's hourly slots for 30 days, ~12,000 bookings): through the API it would take
minutes. The query: GET /v1/restaurants/{rid}/slots?date=<day 15>&party_size=2 through the
gateway, one client back to back (p50/p99), and at 8 clients for throughput.
Ceiling: the rows the answer is made of, read directly with asyncpg as the same role (the
restaurant, its tables, that day's live bookings), one client back to back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench import load, plots
from bench.api import session
from bench.context import Context, Figure, Row, fmt_ms, ratio

TABLES = 60
DAYS = 30
HOURS = (12, 23)  # open 12:00-23:00, 60-minute slots
SEED = """
INSERT INTO reservations.reservations
    (id, restaurant_id, table_id, starts_at, ends_at, party_size, name, phone, status)
SELECT gen_random_uuid(), $1, t.id, s, s + interval '60 minutes', least(t.capacity, 2),
       'Seeded guest', '+12025550100', 'booked'
FROM reservations.tables t,
     generate_series($2::timestamptz, $3::timestamptz, interval '1 hour') AS s
WHERE t.restaurant_id = $1
  AND extract(hour FROM s AT TIME ZONE 'UTC') BETWEEN $4 AND $5
  AND random() < 0.6
"""
READ = (
    "SELECT id, timezone, opening_hours, slot_minutes FROM reservations.restaurants WHERE id = $1",
    "SELECT id, label, capacity, kind FROM reservations.tables "
    "WHERE restaurant_id = $1 AND removed_at IS NULL",
    "SELECT table_id, starts_at, ends_at FROM reservations.reservations "
    "WHERE restaurant_id = $1 AND starts_at < $3 AND ends_at > $2 AND status <> 'cancelled'",
)


async def measure(ctx: Context) -> Figure:
    fig = Figure("slots", "Slot search (60 tables, 30 days of bookings)")
    duration = ctx.seconds(5, 2)
    ctx.need(3 * duration + 30, "the slot search figure")
    hours = [
        {"weekday": d, "opens": f"{HOURS[0]:02d}:00", "closes": f"{HOURS[1]:02d}:00"}
        for d in range(7)
    ]
    tables = [
        {"label": f"S{i}", "capacity": (2, 4, 4, 6)[i % 4], "kind": "table"} for i in range(TABLES)
    ]
    rid = await ctx.api.restaurant(ctx.owner, tables, name="Slots", opening_hours=hours)
    first = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)  # fmt: skip
    last = first + timedelta(days=DAYS) - timedelta(hours=1)
    began = time.perf_counter()
    conn = await ctx.env.connect_as("reservations")
    try:
        seeded = await conn.execute(SEED, uuid.UUID(rid), first, last, HOURS[0], HOURS[1] - 1)
    finally:
        await conn.close()
    seed_s = time.perf_counter() - began
    day = (first + timedelta(days=14)).date().isoformat()
    url = f"{ctx.gateway}/v1/restaurants/{rid}/slots?date={day}&party_size=2"
    async with session() as http:

        async def request(_: int) -> int:
            async with http.get(url) as response:
                await response.read()
                return response.status

        one = await load.closed_loop("slots c=1", request, 1, duration, frozenset({200}))
        eight = await load.closed_loop("slots c=8", request, 8, duration, frozenset({200}))
    raw = await _raw_reads(ctx, rid, day, duration)
    s1, s8, sr = one.as_dict(), eight.as_dict(), raw.as_dict()
    fig.data = {
        "seeded": seeded,
        "seed_s": round(seed_s, 2),
        "seeded_by": "SQL as the reservations role",
        "day": day,
        "gateway_c1": s1,
        "gateway_c8": s8,
        "raw_reads_c1": sr,
    }
    fig.rows.append(
        Row(
            figure="Slot search for one day (party of 2)",
            measured=f"p50 {fmt_ms(s1['p50_ms'])}, p99 {fmt_ms(s1['p99_ms'])} "
            f"({one.throughput:.0f}/s at 1 client, {eight.throughput:.0f}/s at 8)",
            ceiling=f"raw SQL reads p50 {fmt_ms(sr['p50_ms'])}, p99 {fmt_ms(sr['p99_ms'])}",
            ratio=ratio(s1["p99_ms"], sr["p99_ms"]),
            target="p99 < 50 ms",
            met=s1["p99_ms"] is not None and s1["p99_ms"] < 50,
        )
    )
    fig.notes.append(f"seeded {seeded.split()[-1]} bookings by SQL in {seed_s:.1f}s")
    fig.plots.append(
        plots.latency_distributions(
            "slots_latency.png",
            "Slots query for one day",
            {
                "gateway c=1": one.latencies_s,
                "gateway c=8": eight.latencies_s,
                "raw SQL c=1": raw.latencies_s,
            },
        )
    )
    return fig


async def _raw_reads(ctx: Context, rid: str, day: str, duration: float) -> load.Run:
    conn = await ctx.env.connect_as("reservations")
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    end = start + timedelta(days=1)
    restaurant = uuid.UUID(rid)
    try:

        async def request(_: int) -> int:
            await conn.fetchrow(READ[0], restaurant)
            await conn.fetch(READ[1], restaurant)
            await conn.fetch(READ[2], restaurant, start, end)
            return 200

        return await load.closed_loop("raw c=1", request, 1, duration, frozenset({200}))
    finally:
        await conn.close()
        await asyncio.sleep(0)
