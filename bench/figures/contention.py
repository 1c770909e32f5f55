"""Figure 4: 500 booking attempts at once over 20 tables and 3 slots, through the gateway.

Every attempt asks for party size 2 at one of the three slots (no table named: the service
takes the smallest free one). Exactly 20 x 3 = 60 must succeed, the rest answer 409; the
staff list of the day must show no two live bookings of a table overlapping; no 5xx.
Time to settle: from the first request sent to the last answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.context import Context, Figure, Row, Skip

TABLES = 20
SLOTS = ("18:00", "19:00", "20:00")
ATTEMPTS = 500


async def measure(ctx: Context) -> Figure:
    fig = Figure("contention", "Booking contention (500 attempts, 20 tables, 3 slots)")
    ctx.need(40, "the booking contention figure")
    tables = [{"label": f"C{i}", "capacity": 4, "kind": "table"} for i in range(TABLES)]
    rid = await ctx.api.restaurant(ctx.owner, tables, name="Contention")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    starts = [f"{day.isoformat()}T{hhmm}:00Z" for hhmm in SLOTS]
    url = f"{ctx.gateway}/v1/restaurants/{rid}/reservations"
    connector = aiohttp.TCPConnector(limit=0)
    statuses: dict[str, int] = {}
    answers: list[float] = []
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as http:
        go = asyncio.Event()

        async def attempt(i: int) -> None:
            body = {
                "starts_at": starts[i % len(starts)],
                "party_size": 2,
                "name": f"Guest {i}",
                "phone": f"+1202555{i:04d}",
            }
            await go.wait()
            try:
                async with http.post(url, json=body) as response:
                    await response.read()
                    key = str(response.status)
            except Exception as exc:
                key = type(exc).__name__
            statuses[key] = statuses.get(key, 0) + 1
            answers.append(time.perf_counter())

        tasks = [asyncio.create_task(attempt(i)) for i in range(ATTEMPTS)]
        await asyncio.sleep(0.2)
        began = time.perf_counter()
        go.set()
        await asyncio.gather(*tasks)
    settle_s = max(answers) - began
    listed = await ctx.api.call(
        "GET",
        f"/v1/restaurants/{rid}/reservations",
        params={"date": day.isoformat()},
        headers=ctx.owner.headers,
    )
    live = [b for b in listed["items"] if b["status"] != "cancelled"]
    overlaps = _overlaps(live)
    server_errors = sum(v for k, v in statuses.items() if k.startswith("5"))
    made = statuses.get("201", 0)
    if made == 0 and not statuses.get("409"):
        raise Skip(f"no booking answered 201 or 409: {statuses}")
    fig.data = {
        "statuses": statuses,
        "settle_s": round(settle_s, 3),
        "listed_live": len(live),
        "overlaps": overlaps,
        "date": day.isoformat(),
    }
    expected = TABLES * len(SLOTS)
    fig.rows.append(
        Row(
            figure="Bookings made under contention",
            measured=f"{made} made (listed {len(live)}), {overlaps} overlaps, "
            f"{server_errors} 5xx; settled in {settle_s * 1000:.0f} ms; answers {statuses}",
            ceiling=f"{expected} (= {TABLES} tables x {len(SLOTS)} slots)",
            ratio=made / expected,
            target="= 60, 0 overlaps, 0 5xx",
            met=made == expected and len(live) == expected and overlaps == 0 and server_errors == 0,
        )
    )
    return fig


def _overlaps(bookings: list[dict[str, Any]]) -> int:
    by_table: dict[str, list[tuple[datetime, datetime]]] = {}
    for b in bookings:
        by_table.setdefault(b["table_id"], []).append(
            (datetime.fromisoformat(b["starts_at"]), datetime.fromisoformat(b["ends_at"]))
        )
    count = 0
    for spans in by_table.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                count += 1
    return count
