"""Figure 6: quoted waits against actual waits over simulated evenings, beside a naive quote.

The stack's waitlist instance is restarted with its own setting WAITLIST_TIME_SCALE, so its
clock runs SCALE times faster than the wall (the other services are untouched), and put back
to real time afterwards. EVENINGS restaurants then live an evening each, side by side, each
from its own fixed seed, through the gateway:
- each restaurant has 8 tables (2, 2, 4, 4, 4, 4, 6, 6 seats), auto mode, FIFO (a freed table
  goes to the longest-waiting party it fits), the default 10-minute check-in deadline;
- it starts with the history of earlier evenings: HISTORY_PARTIES completed parties drawn
  from the same mix, written to its turn-time statistics before the first party comes;
- parties arrive at random (Poisson) for ARRIVAL_MINUTES, sizes from a typical mix;
- a called party checks in after 0.5-2 minutes, except a few no-shows who never come (the
  waitlist's own deadline releases them);
- a seated party stays a turn drawn by size (mean 50/65/80 minutes for 1-2/3-4/5-6, right
  skewed: log-normal with a standard deviation a quarter of the mean), then the host marks the
  table available.
Diners and hosts act at those simulated times, mapped from the waitlist's clock (`SimClock`),
not whenever the harness's polling noticed a call: at 180x a second of lag is 3 minutes.
Actual wait = check-in - join (the waitlist's times). Quoted = `estimated_wait_minutes` of
the join's answer. Naive = position x average turn ÷ tables (the host's rule of thumb), with
the average turn of the same history the restaurant has. MAE over every party seated, all
evenings pooled.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench import plots
from bench.api import ApiError
from bench.context import Context, Figure, Row, Skip, ratio

SCALE = 180.0  # simulated seconds per wall second
EVENINGS = 6  # restaurants, one evening each, run side by side
ARRIVAL_MINUTES = 150
DRAIN_MINUTES = 120  # at most: an evening ends as soon as its queue is empty
ARRIVALS_PER_HOUR = 15.0
NO_SHOW = 0.06
HISTORY_PARTIES = 120
SIZES = [(1, 0.08), (2, 0.45), (3, 0.10), (4, 0.25), (5, 0.06), (6, 0.06)]
TABLES = [2, 2, 4, 4, 4, 4, 6, 6]
SEED = 20240607  # evening i uses SEED + i: the same evenings every run
POLL_SECONDS = 0.15


def mean_turn(size: int) -> float:
    return 50.0 if size <= 2 else 65.0 if size <= 4 else 80.0


def draw_turn(rng: random.Random, size: int) -> float:
    """A log-normal turn of the size's mean and a relative spread of 0.25."""
    sigma2 = math.log(1 + 0.25**2)
    return rng.lognormvariate(math.log(mean_turn(size)) - sigma2 / 2, math.sqrt(sigma2))


def draw_size(rng: random.Random) -> int:
    return rng.choices([s for s, _ in SIZES], [p for _, p in SIZES])[0]


@dataclass
class Party:
    size: int
    arrives_min: float
    turn_min: float
    checkin_min: float
    no_show: bool
    pid: str = ""
    token: str = ""
    quoted: float | None = None
    naive: float | None = None
    position: int | None = None
    joined_at: datetime | None = None
    called_at: datetime | None = None
    checked_in_at: datetime | None = None
    called_seen: bool = False
    outcome: str = "waiting"

    @property
    def actual(self) -> float | None:
        if self.joined_at and self.checked_in_at:
            return (self.checked_in_at - self.joined_at).total_seconds() / 60
        return None


@dataclass
class Evening:
    index: int
    parties: list[Party]
    history: dict[int, list[float]]
    rid: str = ""
    by_id: dict[str, Party] = field(default_factory=dict)

    @property
    def average_turn(self) -> float:
        turns = [t for ts in self.history.values() for t in ts]
        return sum(turns) / len(turns)

    def seated(self) -> list[Party]:
        return [p for p in self.parties if p.actual is not None and p.quoted is not None]

    def waits(self) -> list[tuple[float, float, float]]:
        """(quoted, naive, actual) of every party seated."""
        return [(p.quoted or 0.0, p.naive or 0.0, p.actual or 0.0) for p in self.seated()]


def evening(index: int) -> Evening:
    rng = random.Random(SEED + index)
    parties: list[Party] = []
    t = 0.0
    while True:
        t += rng.expovariate(ARRIVALS_PER_HOUR / 60)
        if t > ARRIVAL_MINUTES:
            break
        size = draw_size(rng)
        parties.append(
            Party(size, t, draw_turn(rng, size), rng.uniform(0.5, 2), rng.random() < NO_SHOW)
        )
    history: dict[int, list[float]] = {}
    for _ in range(HISTORY_PARTIES):
        size = draw_size(rng)
        history.setdefault(size, []).append(draw_turn(rng, size))
    return Evening(index, parties, history)


def wall(minutes: float) -> float:
    return minutes * 60 / SCALE


class SimClock:
    """Maps the waitlist's accelerated clock to this process's monotonic clock.

    Each answer stamped by the waitlist (a join's `joined_at`) was stamped between sending the
    request and reading the answer; the answer with the shortest round trip pins the offset.
    Diners and hosts then act at a simulated time (called + delay, seated + turn) instead of
    whenever polling noticed, so the harness's own lag does not lengthen the waits measured.
    """

    def __init__(self) -> None:
        self.offset: float | None = None  # simulated seconds - monotonic seconds x SCALE
        self.round_trip = float("inf")

    def observe(self, stamped: datetime, sent: float, received: float) -> None:
        if received - sent < self.round_trip:
            self.round_trip = received - sent
            self.offset = stamped.timestamp() - (sent + received) / 2 * SCALE

    def monotonic_of(self, at: datetime) -> float:
        assert self.offset is not None
        return (at.timestamp() - self.offset) / SCALE


async def sleep_until(clock: SimClock, at: datetime) -> None:
    await asyncio.sleep(max(0.0, clock.monotonic_of(at) - time.monotonic()))


async def measure(ctx: Context) -> Figure:
    fig = Figure("quotes", "Quote accuracy over simulated evenings")
    total_wall = wall(ARRIVAL_MINUTES + DRAIN_MINUTES)
    ctx.need(total_wall + 60, "the simulated evenings")
    stack = ctx.stack
    instance = stack.instances["waitlist"][0]
    if len(stack.instances["waitlist"]) != 1:
        raise Skip("the simulated evenings need exactly one waitlist instance")
    quieted = await ctx.api.quiet_all()
    stack.extra_env["WAITLIST_TIME_SCALE"] = str(SCALE)
    try:
        await stack.restart_instance(instance)
        await stack.wait_ready(60)
        evenings = [evening(i) for i in range(int(ctx.seconds(EVENINGS, 2)))]
        await asyncio.gather(*(_open(ctx, e) for e in evenings))
        errors: list[str] = []
        started = time.monotonic()
        clock = SimClock()
        await asyncio.gather(*(_live(ctx, e, clock, started, errors) for e in evenings))
        simulated = (time.monotonic() - started) * SCALE / 60
    finally:
        stack.extra_env.pop("WAITLIST_TIME_SCALE", None)
        await stack.restart_instance(instance)
        await stack.wait_ready(60)
    _report(fig, evenings, errors, simulated)
    fig.data["earlier_restaurants_set_to_manual"] = quieted
    return fig


async def _open(ctx: Context, e: Evening) -> None:
    """The restaurant, its settings and its turn-time history, before anyone comes."""
    tables = [{"label": f"Q{i}", "capacity": c, "kind": "table"} for i, c in enumerate(TABLES)]
    e.rid = await ctx.api.restaurant(ctx.owner, tables, name=f"Evening {e.index}")
    await ctx.api.waitlist_ready(e.rid, len(tables))
    await ctx.api.call(
        "PATCH",
        f"/v1/restaurants/{e.rid}/waitlist/settings",
        json={"mode": "auto", "strategy": "fifo", "heads_up_minutes": 0, "max_party_size": 6},
        headers=ctx.owner.headers,
    )
    # Earlier evenings' completed parties, as the waitlist keeps them: count, mean and sum of
    # squared deviations per party size. No API writes history, so it goes in as the service's
    # own role would write it. First, every table has reached the waitlist's floor.
    conn = await ctx.env.connect_as("waitlist")
    try:
        deadline = time.monotonic() + 30
        query = "SELECT count(*) FROM tables WHERE restaurant_id = $1 AND NOT removed"
        while await conn.fetchval(query, uuid.UUID(e.rid)) < len(TABLES):
            if time.monotonic() > deadline:
                raise Skip(f"the waitlist never learnt the tables of evening {e.index}")
            await asyncio.sleep(0.2)
        for size, turns in e.history.items():
            mean = sum(turns) / len(turns)
            m2 = sum((t - mean) ** 2 for t in turns)
            await conn.execute(
                "INSERT INTO turn_times (restaurant_id, party_size, count, mean, m2) "
                "VALUES ($1, $2, $3, $4, $5)",
                uuid.UUID(e.rid), size, len(turns), mean, m2,
            )  # fmt: skip
    finally:
        await conn.close()


async def _live(
    ctx: Context, e: Evening, clock: SimClock, started: float, errors: list[str]
) -> None:
    tasks: set[asyncio.Task[None]] = set()

    def later(coro: Any) -> None:
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def arrive(p: Party) -> None:
        await asyncio.sleep(max(0.0, started + wall(p.arrives_min) - time.monotonic()))
        sent = time.monotonic()
        try:
            body = await ctx.api.call(
                "POST",
                f"/v1/restaurants/{e.rid}/waitlist/parties",
                json={"name": "Guest", "party_size": p.size, "preference": "any"},
            )
        except ApiError as exc:
            errors.append(str(exc)[:200])
            p.outcome = "refused"
            return
        clock.observe(datetime.fromisoformat(body["joined_at"]), sent, time.monotonic())
        p.pid, p.token = str(body["id"]), body["party_token"]
        p.quoted = float(body["estimated_wait_minutes"] or 0)
        p.position = int(body["position"] or 1)
        p.naive = p.position * e.average_turn / len(TABLES)
        p.joined_at = datetime.fromisoformat(body["joined_at"])
        e.by_id[p.pid] = p

    async def check_in(p: Party) -> None:
        assert p.called_at is not None
        await sleep_until(clock, p.called_at + timedelta(minutes=p.checkin_min))
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
        await sleep_until(clock, p.checked_in_at + timedelta(minutes=p.turn_min))
        try:
            await ctx.api.call(
                "PATCH", f"/v1/restaurants/{e.rid}/tables/{body['table_id']}",
                json={"status": "available"}, headers=ctx.owner.headers,
            )  # fmt: skip
            p.outcome = "completed"
        except ApiError as exc:
            errors.append(str(exc)[:200])

    for p in e.parties:
        later(arrive(p))
    end = started + wall(ARRIVAL_MINUTES + DRAIN_MINUTES)
    try:
        while time.monotonic() < end:
            await asyncio.sleep(POLL_SECONDS)
            listed = await ctx.api.call(
                "GET", f"/v1/restaurants/{e.rid}/waitlist/parties", headers=ctx.owner.headers
            )
            queue = 0
            for item in listed["items"]:
                found = e.by_id.get(str(item["id"]))
                if found is None:
                    continue
                p = found
                if item["status"] in ("waiting", "called"):
                    queue += 1
                if item["status"] == "called" and not p.called_seen:
                    p.called_seen = True
                    p.called_at = datetime.fromisoformat(item["called_at"])
                    if p.no_show:
                        p.outcome = "no-show"
                    else:
                        later(check_in(p))
            everyone_came = all(p.pid or p.outcome == "refused" for p in e.parties)
            if everyone_came and queue == 0:
                break
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _mae(waits: list[tuple[float, float, float]], which: int) -> float:
    """Mean absolute error of the quote (which=0) or the naive estimate (which=1)."""
    return sum(abs(w[which] - w[2]) for w in waits) / len(waits) if waits else float("nan")


def _report(fig: Figure, evenings: list[Evening], errors: list[str], simulated: float) -> None:
    seated = [p for e in evenings for p in e.seated()]
    waits = [w for e in evenings for w in e.waits()]
    if len(waits) < 5:
        raise Skip(f"only {len(waits)} parties were seated; errors: {errors[:3]}")
    mae, naive = _mae(waits, 0), _mae(waits, 1)
    outcomes: dict[str, int] = {}
    for e in evenings:
        for p in e.parties:
            outcomes[p.outcome] = outcomes.get(p.outcome, 0) + 1
    improvement = 1 - mae / naive if naive else None
    per_evening = []
    for e in evenings:
        mine = e.waits()
        e_mae, e_naive = _mae(mine, 0), _mae(mine, 1)
        per_evening.append(
            {
                "seed": SEED + e.index,
                "parties": len(e.parties),
                "seated": len(mine),
                "mae_minutes": round(e_mae, 2),
                "naive_mae_minutes": round(e_naive, 2),
                "improvement": round(1 - e_mae / e_naive, 3) if e_naive else None,
                "average_turn_minutes": round(e.average_turn, 1),
            }
        )
    # Seen from the waitlist's clock, the time from the call to the check-in beyond the
    # diner's own delay: what polling and the stack's latency add at SCALE x time.
    lags = [
        (p.checked_in_at - p.called_at).total_seconds() / 60 - p.checkin_min
        for p in seated
        if p.checked_in_at and p.called_at
    ]
    average_turn = sum(e.average_turn for e in evenings) / len(evenings)
    fig.data = {
        "scale": SCALE,
        "evenings": len(evenings),
        "simulated_minutes": round(simulated, 1),
        "parties": sum(len(e.parties) for e in evenings),
        "seated": len(seated),
        "outcomes": outcomes,
        "mae_minutes": round(mae, 2),
        "naive_mae_minutes": round(naive, 2),
        "improvement": None if improvement is None else round(improvement, 3),
        "bias_minutes": round(sum(q - a for q, _, a in waits) / len(waits), 2),
        "call_to_checkin_lag_minutes": round(sum(lags) / len(lags), 2) if lags else None,
        "history_parties": HISTORY_PARTIES,
        "average_turn_minutes": round(average_turn, 1),
        "per_evening": per_evening,
        "errors": errors[:10],
        "points": [
            {
                "size": p.size,
                "position": p.position,
                "quoted": p.quoted,
                "naive": round(p.naive or 0, 2),
                "actual": round(p.actual or 0, 2),
            }
            for p in seated
        ],
    }
    fig.rows.append(
        Row(
            figure="Quote MAE over simulated evenings",
            measured=f"{mae:.1f} min over {len(seated)} seated parties of {len(evenings)} "
            f"evenings ({outcomes.get('no-show', 0)} no-shows; {SCALE:.0f}x time)",
            ceiling=f"naive (position x {average_turn:.0f} min ÷ {len(TABLES)} tables): "
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
                "waitlist quote": [(a, q) for q, _, a in waits],
                "naive": [(a, n) for _, n, a in waits],
            },
        )
    )
