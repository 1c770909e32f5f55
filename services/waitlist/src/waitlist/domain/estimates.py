"""Wait estimates: replay the queue against the floor, over a few scenarios of turn times.

Turn times per party size are learned from the restaurant's completed parties (count, mean,
spread). Until a size has history of its own, its turn is the size's default scaled by how
this restaurant's turns compare with the defaults over every size it has seen (a slow
restaurant is slow for parties of 6 too), blended with that prior by count.

A replay seats each waiting party, in queue order, at the fitting table that frees first, as
auto mode (or the host) gives a freed table to the first waiting party it seats:

- a table whose party sat down at a known time frees when that party's turn ends, given how
  long it has already lasted (a table past its expected end is not free now: it frees a little
  later);
- a called party takes a minute or so to reach the desk: part of its wait (unless a table is
  free now: no wait at all), and its table stays held meanwhile;
- a few parties ahead never take their table (no-show, or they walk away): each party ahead
  counts for its expected use of the table, mostly a turn, sometimes only the check-in hold.

Replaying with every turn at its mean would quote too long: the first of several tables to
free comes earlier than the earliest of their mean free times. So the queue is replayed in
SCENARIOS scenarios, each table and party drawing its turn from a different stratum of the
turn's spread in each (a fixed shuffle picked by its id: deterministic, whatever the order of
the lists). The estimate is the median scenario's wait (what minimises the mean absolute
error), its range the 15 % and 85 % quantiles. Tables of one size and kind are kept in a heap,
so a replay costs O(scenarios x queue x (table sizes + log tables)): it runs on every change.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist

from waitlist.domain.party import accepts

PRIOR_WEIGHT = 3
"""How many completed parties the prior turn time counts for when blended with history."""
DEFAULT_SPREAD = 0.2
"""Relative spread (standard deviation / mean) of a turn time before there is history."""
CALL_TO_SEAT_MINUTES = 1.0
"""From the call to the check-in at the desk: part of a wait for a table that is not free yet,
and the table is held meanwhile."""
GONE_SHARE = 0.05
"""Share of parties that never take the table they are given (no-show, walked away)."""
HOLD_MINUTES = 10.0
"""How long a table stays held for a called party that does not come (the default deadline)."""
MIN_REMAINING_MINUTES = 1.0
"""An occupied table is never expected to free sooner than this."""
SCENARIOS = 16
"""Scenarios replayed: each draws every turn from its own stratum of the turn's spread."""
MIDDLE, LOW, HIGH = SCENARIOS // 2, round(0.15 * SCENARIOS - 0.5), round(0.85 * SCENARIOS - 0.5)
"""Indices of the median pair and the range's quantiles among the sorted scenario waits."""

_NORMAL = NormalDist()
_QUANTILES = [(k + 0.5) / SCENARIOS for k in range(SCENARIOS)]
_Z = [_NORMAL.inv_cdf(q) for q in _QUANTILES]
_ORDERS = [random.Random(seed).sample(range(SCENARIOS), SCENARIOS) for seed in range(257)]
"""Fixed shuffles of the strata: every table and party draws each stratum once, in an order
picked by its id, so draws are independent between tables and parties but reproducible."""


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
    """Expected minutes a party of a given size keeps its table, and their spread."""

    def __init__(self, stats: dict[int, TurnStat] | None = None) -> None:
        self.stats = stats or {}
        self._level: tuple[tuple[tuple[int, TurnStat], ...], float, float] | None = None

    def learn(self, party_size: int, minutes: float) -> None:
        self.stats[party_size] = self.stats.get(party_size, TurnStat()).add(minutes)

    def _pooled(self) -> tuple[float, float]:
        """This restaurant's turns relative to the defaults, pooled over every size seen:
        (mean ratio, relative spread), each blended with its prior (1, DEFAULT_SPREAD)."""
        key = tuple(self.stats.items())
        if self._level is not None and self._level[0] == key:
            return self._level[1], self._level[2]
        count, ratio_sum, var_sum, var_count = 0, 0.0, 0.0, 0
        for size, stat in key:
            if stat.count <= 0:
                continue
            default = default_turn_minutes(size)
            count += stat.count
            ratio_sum += stat.count * stat.mean / default
            if stat.count >= 2 and stat.mean > 0:
                # Relative variance of this size, weighted by its degrees of freedom.
                var_sum += stat.m2 / stat.mean**2
                var_count += stat.count - 1
        ratio = (ratio_sum + PRIOR_WEIGHT) / (count + PRIOR_WEIGHT)
        relative = math.sqrt(
            (var_sum + PRIOR_WEIGHT * DEFAULT_SPREAD**2) / (var_count + PRIOR_WEIGHT)
        )
        self._level = (key, ratio, relative)
        return ratio, relative

    def prior_minutes(self, party_size: int) -> float:
        """The turn expected for a size without history of its own."""
        return default_turn_minutes(party_size) * self._pooled()[0]

    def minutes(self, party_size: int) -> float:
        prior = self.prior_minutes(party_size)
        stat = self.stats.get(party_size, TurnStat())
        return (stat.count * stat.mean + PRIOR_WEIGHT * prior) / (stat.count + PRIOR_WEIGHT)

    def spread(self, party_size: int) -> float:
        mean = self.minutes(party_size)
        prior_sd = self._pooled()[1] * mean
        stat = self.stats.get(party_size, TurnStat())
        if stat.count < 2:
            return prior_sd
        sample_var = stat.m2 / (stat.count - 1)
        weight = stat.count + PRIOR_WEIGHT
        return math.sqrt((stat.count * sample_var + PRIOR_WEIGHT * prior_sd**2) / weight)


@dataclass(frozen=True)
class Seat:
    """A table that will be free at `free_at` (now, or when its current party leaves).

    When the party called to or sitting at the table is known, `party_size` is its size and
    `since` when it sat down (None while it is called and not yet at the table): the table's
    free time is then estimated from that party's expected turn, and `free_at` is ignored.
    """

    table_id: uuid.UUID
    capacity: int
    kind: str
    free_at: datetime
    party_size: int | None = None
    since: datetime | None = None


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
    """Estimated wait of each waiting party, in queue order; None when no table seats it.

    The point is the median over the scenarios, the range their 15 % and 85 % quantiles.
    """
    waits = _replay(now, seats, queue, turns)
    result: dict[uuid.UUID, Estimate | None] = {}
    for party in queue:
        found = waits.get(party.party_id)
        if found is None:
            result[party.party_id] = None
            continue
        found.sort()
        point = round((found[MIDDLE - 1] + found[MIDDLE]) / 2)
        result[party.party_id] = Estimate(
            minutes=point,
            low=min(math.floor(found[LOW]), point),
            high=max(math.ceil(found[HIGH]), point),
        )
    return result


def _order(key: uuid.UUID) -> list[int]:
    """The stratum of each scenario for one table or party: a fixed shuffle chosen by its id,
    so a table's or a party's draw never depends on the order of the lists."""
    value = key.int
    return _ORDERS[(value ^ (value >> 64)) % len(_ORDERS)]


def _free_in(now: datetime, seat: Seat, turns: TurnTimes) -> list[float]:
    """Minutes from now until the seat is free for the next party, in each scenario."""
    order = _order(seat.table_id)
    if seat.party_size is None:
        remaining = max((seat.free_at - now).total_seconds() / 60, 0.0)
        if remaining <= 0:
            return [0.0] * SCENARIOS
        # Stretched or shrunk by the relative spread of a turn at a table of this size.
        relative = turns.spread(seat.capacity) / turns.minutes(seat.capacity)
        return [remaining * max(1 + _Z[k] * relative, 0.1) for k in order]
    mean, sd = turns.minutes(seat.party_size), max(turns.spread(seat.party_size), 0.1)
    if seat.since is None:  # called, on the way to the desk
        return [CALL_TO_SEAT_MINUTES + max(mean + sd * _Z[k], 1.0) for k in order]
    # The rest of a turn that has lasted `elapsed` already: a normal turn truncated there.
    elapsed = max((now - seat.since).total_seconds() / 60, 0.0)
    z = (elapsed - mean) / sd
    if z > 5:  # far past the expected end: the normal tail is nearly exponential
        return [max(-sd / z * math.log(1 - _QUANTILES[k]), MIN_REMAINING_MINUTES) for k in order]
    below = _NORMAL.cdf(z)
    return [
        max(sd * (_NORMAL.inv_cdf(below + (1 - below) * _QUANTILES[k]) - z), MIN_REMAINING_MINUTES)
        for k in order
    ]


def _replay(
    now: datetime, seats: Sequence[Seat], queue: Sequence[Waiting], turns: TurnTimes
) -> dict[uuid.UUID, list[float]]:
    """Each scenario seats each party in queue order at the fitting table that frees first.

    Runs on every change of a queue that can hold hundreds of parties, so it works in plain
    minutes-from-now floats. Tables of one size and kind are interchangeable: each such group
    is a heap of free times, and a party looks only at the groups that fit it, smallest
    first (on a tie the smaller table is taken). A table use is computed once per size.
    """
    members: dict[tuple[int, str], list[int]] = {}
    for i, seat in enumerate(seats):
        members.setdefault((seat.capacity, seat.kind), []).append(i)
    keys = sorted(members)
    free_by_seat = [_free_in(now, seat, turns) for seat in seats]
    fitting: dict[tuple[int, str], list[int]] = {}
    use_of: dict[int, list[float]] = {}
    plans: list[tuple[Callable[[float], None], int, list[int], list[float]]] = []
    waits: dict[uuid.UUID, list[float]] = {}
    for party in queue:
        size = party.party_size
        fits = fitting.get((size, party.preference))
        if fits is None:
            fits = [
                g
                for g, (capacity, kind) in enumerate(keys)
                if capacity >= size and accepts(party.preference, kind)
            ]
            fitting[(size, party.preference)] = fits
        if not fits:
            continue
        uses = use_of.get(size)
        if uses is None:
            mean, sd = turns.minutes(size), turns.spread(size)
            # Expected time the table is taken, by stratum: a turn after the walk to the
            # desk, or only the check-in hold for a party that does not come.
            uses = [
                (1 - GONE_SHARE) * (CALL_TO_SEAT_MINUTES + max(mean + sd * z, 1.0))
                + GONE_SHARE * HOLD_MINUTES
                for z in _Z
            ]
            use_of[size] = uses
        found: list[float] = []
        waits[party.party_id] = found
        order = _order(party.party_id)
        plans.append((found.append, fits[0], fits[1:], [uses[k] for k in order]))
    call = CALL_TO_SEAT_MINUTES
    replace = heapq.heapreplace
    for scenario in range(SCENARIOS):
        heaps = []
        for key in keys:
            heap = [free_by_seat[i][scenario] for i in members[key]]
            heapq.heapify(heap)
            heaps.append(heap)
        for record, first, others, uses in plans:
            best = heaps[first]
            start = best[0]
            for g in others:
                heap = heaps[g]
                if heap[0] < start:
                    best, start = heap, heap[0]
            # A table free now is no wait at all; otherwise the wait ends at the desk.
            record(start + call if start > 0 else 0.0)
            replace(best, start + uses[scenario])
    return waits
