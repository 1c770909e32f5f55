"""Figure 6: quoted waits against actual waits over a simulated evening, beside a naive quote.

The waitlist takes its clock as an argument but has no setting for it; the harness restarts
the stack's waitlist instance through `bench.accelerated_waitlist`, whose clock runs SCALE
times faster than the wall (the other services are untouched). Then, through the gateway:
- parties arrive at random (Poisson) for ARRIVAL_MINUTES, sizes from a typical mix;
- a called party checks in after 0.5-2 minutes, except a few no-shows who never come (the
  waitlist's own deadline releases them);
- a seated party stays a turn time drawn by size (mean 50/65/80 minutes for 1-2/3-4/5-6,
  standard deviation a quarter of it), then the host marks the table available.
Actual wait = check-in - join (the waitlist's times). Quoted = `estimated_wait_minutes` of
the join's answer. Naive = position x average turn ÷ tables (the host's rule of thumb, with
the average turn of the same mix). MAE over every party that was seated.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench import plots
from bench.api import ApiError
from bench.context import Context, Figure, Row, Skip, ratio

SCALE = 180.0  # simulated seconds per wall second
ARRIVAL_MINUTES = 150
DRAIN_MINUTES = 90
ARRIVALS_PER_HOUR = 15.0
NO_SHOW = 0.06
SIZES = [(1, 0.08), (2, 0.45), (3, 0.10), (4, 0.25), (5, 0.06), (6, 0.06)]
TABLES = [2, 2, 4, 4, 4, 4, 6, 6]


def mean_turn(size: int) -> float:
    return 50.0 if size <= 2 else 65.0 if size <= 4 else 80.0


AVERAGE_TURN = sum(mean_turn(s) * p for s, p in SIZES)


@dataclass
class Party:
    size: int
    arrives_min: float
    turn_min: float
    no_show: bool
    pid: str = ""
    token: str = ""
    quoted: float | None = None
    naive: float | None = None
    position: int | None = None
    joined_at: datetime | None = None
    checked_in_at: datetime | None = None
    called_seen: bool = False
    outcome: str = "waiting"

    @property
    def actual(self) -> float | None:
        if self.joined_at and self.checked_in_at:
            return (self.checked_in_at - self.joined_at).total_seconds() / 60
        return None


def evening(rng: random.Random) -> list[Party]:
    parties: list[Party] = []
    t = 0.0
    while True:
        t += rng.expovariate(ARRIVALS_PER_HOUR / 60)
        if t > ARRIVAL_MINUTES:
            return parties
        size = rng.choices([s for s, _ in SIZES], [p for _, p in SIZES])[0]
        turn = max(20.0, rng.gauss(mean_turn(size), mean_turn(size) / 4))
        parties.append(Party(size, t, turn, rng.random() < NO_SHOW))


def wall(minutes: float) -> float:
    return minutes * 60 / SCALE


async def measure(ctx: Context) -> Figure:
    fig = Figure("quotes", "Quote accuracy over a simulated evening")
    total_wall = wall(ARRIVAL_MINUTES + DRAIN_MINUTES)
    ctx.need(total_wall + 45, "the simulated evening")
    stack = ctx.stack
    instance = stack.instances["waitlist"][0]
    if len(stack.instances["waitlist"]) != 1:
        raise Skip("the simulated evening needs exactly one waitlist instance")
    stack.time_scale = SCALE
    stack.clock_origin = time.time()
    await stack.restart_instance(instance)
    await stack.wait_ready(60)

    tables = [{"label": f"Q{i}", "capacity": c, "kind": "table"} for i, c in enumerate(TABLES)]
    rid = await ctx.api.restaurant(ctx.owner, tables, name="Evening")
    await ctx.api.waitlist_ready(rid, len(tables))
    await ctx.api.call(
        "PATCH",
        f"/v1/restaurants/{rid}/waitlist/settings",
        json={
            "mode": "auto",
            "strategy": "fifo",
            "checkin_timeout_seconds": 300,
            "heads_up_minutes": 0,
            "max_party_size": 6,
        },
        headers=ctx.owner.headers,
    )
    rng = random.Random(20240607)  # the same evening every run
    parties = evening(rng)
    by_id: dict[str, Party] = {}
    tasks: set[asyncio.Task[None]] = set()
    started = time.monotonic()
    errors: list[str] = []

    def later(coro: Any) -> None:
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def arrive(p: Party) -> None:
        await asyncio.sleep(max(0.0, started + wall(p.arrives_min) - time.monotonic()))
        try:
            body = await ctx.api.call(
                "POST",
                f"/v1/restaurants/{rid}/waitlist/parties",
                json={"name": "Guest", "party_size": p.size, "preference": "any"},
            )
        except ApiError as exc:
            errors.append(str(exc)[:200])
            p.outcome = "refused"
            return
        p.pid, p.token = str(body["id"]), body["party_token"]
        p.quoted = float(body["estimated_wait_minutes"] or 0)
        p.position = int(body["position"] or 1)
        p.naive = p.position * AVERAGE_TURN / len(TABLES)
        p.joined_at = datetime.fromisoformat(body["joined_at"])
        by_id[p.pid] = p

    async def check_in(p: Party) -> None:
        await asyncio.sleep(wall(rng.uniform(0.5, 2)))
        try:
            body = await ctx.api.call(
                "POST", f"/v1/parties/{p.pid}/check-in",
                headers={"Authorization": f"Bearer {p.token}"},
            )  # fmt: skip
        except ApiError as exc:
            errors.append(str(exc)[:200])
            p.outcome = "check-in refused"
            return
        p.checked_in_at = datetime.fromisoformat(body["checked_in_at"])
        p.outcome = "seated"
        await asyncio.sleep(wall(p.turn_min))
        try:
            await ctx.api.call(
                "PATCH", f"/v1/restaurants/{rid}/tables/{body['table_id']}",
                json={"status": "available"}, headers=ctx.owner.headers,
            )  # fmt: skip
            p.outcome = "completed"
        except ApiError as exc:
            errors.append(str(exc)[:200])

    for p in parties:
        later(arrive(p))
    end = started + total_wall
    try:
        while time.monotonic() < end:
            await asyncio.sleep(0.15)
            listed = await ctx.api.call(
                "GET", f"/v1/restaurants/{rid}/waitlist/parties", headers=ctx.owner.headers
            )
            queue = 0
            for item in listed["items"]:
                found = by_id.get(str(item["id"]))
                if found is None:
                    continue
                p = found
                if item["status"] in ("waiting", "called"):
                    queue += 1
                if item["status"] == "called" and not p.called_seen:
                    p.called_seen = True
                    if p.no_show:
                        p.outcome = "no-show"
                    else:
                        later(check_in(p))
            arrivals_done = time.monotonic() > started + wall(ARRIVAL_MINUTES)
            if arrivals_done and queue == 0 and len(by_id) >= len(parties) - 1:
                break
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    seated = [p for p in parties if p.actual is not None and p.quoted is not None]
    if len(seated) < 5:
        raise Skip(f"only {len(seated)} parties were seated; errors: {errors[:3]}")
    mae = sum(abs(p.quoted - p.actual) for p in seated) / len(seated)  # type: ignore[operator]
    naive = sum(abs(p.naive - p.actual) for p in seated) / len(seated)  # type: ignore[operator]
    outcomes: dict[str, int] = {}
    for p in parties:
        outcomes[p.outcome] = outcomes.get(p.outcome, 0) + 1
    improvement = 1 - mae / naive if naive else None
    fig.data = {
        "scale": SCALE,
        "simulated_minutes": round((time.monotonic() - started) * SCALE / 60, 1),
        "parties": len(parties),
        "seated": len(seated),
        "outcomes": outcomes,
        "mae_minutes": round(mae, 2),
        "naive_mae_minutes": round(naive, 2),
        "improvement": None if improvement is None else round(improvement, 3),
        "average_turn_minutes": round(AVERAGE_TURN, 1),
        "errors": errors[:10],
        "points": [
            {
                "size": p.size,
                "position": p.position,
                "quoted": p.quoted,
                "naive": p.naive,
                "actual": round(p.actual or 0, 2),
            }
            for p in seated
        ],
    }
    fig.rows.append(
        Row(
            figure="Quote MAE over a simulated evening",
            measured=f"{mae:.1f} min over {len(seated)} seated parties "
            f"({outcomes.get('no-show', 0)} no-shows; {SCALE:.0f}x time)",
            ceiling=f"naive (position x {AVERAGE_TURN:.0f} min ÷ {len(TABLES)} tables): "
            f"{naive:.1f} min",
            ratio=ratio(mae, naive),
            target="≥ 30 % lower than naive",
            met=improvement is not None and improvement >= 0.3,
        )
    )
    fig.plots.append(
        plots.scatter(
            "quotes.png",
            "Quoted against actual waits",
            {
                "waitlist quote": [(p.actual or 0, p.quoted or 0) for p in seated],
                "naive": [(p.actual or 0, p.naive or 0) for p in seated],
            },
        )
    )
    return fig
