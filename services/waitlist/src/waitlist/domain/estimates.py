"""Wait estimates: replay the queue against the floor's expected free times.

Turn times per party size are learned from the restaurant's completed parties and blended
with a default until there is enough history. Each estimate is a point and a range: the
range replays the same queue with turns one standard deviation shorter and longer.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from waitlist.domain.party import accepts

PRIOR_WEIGHT = 3
"""How many completed parties the default turn time counts for when blended with history."""
DEFAULT_SPREAD = 0.2
"""Relative spread of a turn time before there is history."""


def default_turn_minutes(party_size: int) -> float:
    if party_size <= 2:
        return 45.0
    if party_size <= 4:
        return 60.0
    if party_size <= 6:
        return 75.0
    return 90.0


@dataclass(frozen=True)
class TurnStat:
    """Running count, mean and sum of squared deviations (Welford) of turn times."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, minutes: float) -> TurnStat:
        count = self.count + 1
        delta = minutes - self.mean
        mean = self.mean + delta / count
        return TurnStat(count, mean, self.m2 + delta * (minutes - mean))


class TurnTimes:
    """Expected minutes a party of a given size keeps its table."""

    def __init__(self, stats: dict[int, TurnStat] | None = None) -> None:
        self.stats = stats or {}

    def learn(self, party_size: int, minutes: float) -> None:
        self.stats[party_size] = self.stats.get(party_size, TurnStat()).add(minutes)

    def minutes(self, party_size: int) -> float:
        prior = default_turn_minutes(party_size)
        stat = self.stats.get(party_size, TurnStat())
        return (stat.count * stat.mean + PRIOR_WEIGHT * prior) / (stat.count + PRIOR_WEIGHT)

    def spread(self, party_size: int) -> float:
        mean = self.minutes(party_size)
        prior_sd = DEFAULT_SPREAD * mean
        stat = self.stats.get(party_size, TurnStat())
        if stat.count < 2:
            return prior_sd
        sample_var = stat.m2 / (stat.count - 1)
        weight = stat.count + PRIOR_WEIGHT
        return math.sqrt((stat.count * sample_var + PRIOR_WEIGHT * prior_sd**2) / weight)


@dataclass(frozen=True)
class Seat:
    """A table that will be free at `free_at` (now, or when its current party leaves)."""

    table_id: uuid.UUID
    capacity: int
    kind: str
    free_at: datetime


@dataclass(frozen=True)
class Waiting:
    party_id: uuid.UUID
    party_size: int
    preference: str


@dataclass(frozen=True)
class Estimate:
    minutes: int
    low: int
    high: int


def estimate_waits(
    now: datetime, seats: Sequence[Seat], queue: Sequence[Waiting], turns: TurnTimes
) -> dict[uuid.UUID, Estimate | None]:
    """Estimated wait of each waiting party, in queue order; None when no table seats it."""
    point = _replay(now, seats, queue, turns, 0)
    low = _replay(now, seats, queue, turns, -1)
    high = _replay(now, seats, queue, turns, +1)
    result: dict[uuid.UUID, Estimate | None] = {}
    for party in queue:
        p, lo, hi = point[party.party_id], low[party.party_id], high[party.party_id]
        if p is None or lo is None or hi is None:
            result[party.party_id] = None
            continue
        result[party.party_id] = Estimate(
            minutes=round(p), low=min(math.floor(lo), round(p)), high=max(math.ceil(hi), round(p))
        )
    return result


def _replay(
    now: datetime, seats: Sequence[Seat], queue: Sequence[Waiting], turns: TurnTimes, side: int
) -> dict[uuid.UUID, float | None]:
    """Seats each party in order at the fitting table that frees first; `side` picks the range.

    Runs on every change of a queue that can hold hundreds of parties, so it works in plain
    minutes-from-now floats and computes each party size's turn once.
    """
    shifted = [_shifted(now, seat, turns, side) for seat in seats]
    free = [max((seat.free_at - now).total_seconds() / 60, 0.0) for seat in shifted]
    capacities = [seat.capacity for seat in shifted]
    kinds = [seat.kind for seat in shifted]
    turn_of: dict[int, float] = {}
    waits: dict[uuid.UUID, float | None] = {}
    for party in queue:
        best = -1
        for i, capacity in enumerate(capacities):
            if capacity < party.party_size or not accepts(party.preference, kinds[i]):
                continue
            if best < 0 or (free[i], capacity) < (free[best], capacities[best]):
                best = i
        if best < 0:
            waits[party.party_id] = None
            continue
        start = free[best]
        waits[party.party_id] = start
        turn = turn_of.get(party.party_size)
        if turn is None:
            size = party.party_size
            turn = max(turns.minutes(size) + side * turns.spread(size), 1.0)
            turn_of[size] = turn
        free[best] = start + turn
    return waits


def _shifted(now: datetime, seat: Seat, turns: TurnTimes, side: int) -> Seat:
    """The seat's free time, its remaining time stretched or shrunk by the relative spread."""
    remaining = max((seat.free_at - now).total_seconds(), 0.0)
    relative = turns.spread(seat.capacity) / turns.minutes(seat.capacity)
    return replace(seat, free_at=now + timedelta(seconds=remaining * (1 + side * relative)))
