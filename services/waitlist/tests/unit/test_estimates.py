"""The wait estimator as a plain function: replaying the queue against the floor."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from waitlist.domain.estimates import (
    Seat,
    TurnStat,
    TurnTimes,
    Waiting,
    default_turn_minutes,
    estimate_waits,
)

NOW = datetime(2025, 6, 14, 19, 0, tzinfo=UTC)


def seat(capacity: int, free_in_minutes: float = 0, kind: str = "table") -> Seat:
    return Seat(uuid.uuid4(), capacity, kind, NOW + timedelta(minutes=free_in_minutes))


def waiting(size: int, preference: str = "any") -> Waiting:
    return Waiting(uuid.uuid4(), size, preference)


def test_a_party_with_a_free_table_waits_nothing() -> None:
    party = waiting(2)
    estimate = estimate_waits(NOW, [seat(2)], [party], TurnTimes())[party.party_id]
    assert estimate is not None and (estimate.minutes, estimate.low) == (0, 0)


def test_the_second_party_waits_for_the_first_partys_turn() -> None:
    first, second = waiting(2), waiting(2)
    found = estimate_waits(NOW, [seat(2)], [first, second], TurnTimes())
    estimate = found[second.party_id]
    assert estimate is not None
    assert estimate.minutes == 45
    assert estimate.low < 45 < estimate.high


def test_a_party_waits_for_the_table_expected_to_free_first() -> None:
    party = waiting(4)
    seats = [seat(4, free_in_minutes=30), seat(6, free_in_minutes=12), seat(2, 0)]
    estimate = estimate_waits(NOW, seats, [party], TurnTimes())[party.party_id]
    assert estimate is not None and estimate.minutes == 12


def test_seating_preference_limits_the_tables_replayed() -> None:
    party = waiting(2, "counter")
    seats = [seat(2, 0, "table"), seat(2, 20, "counter")]
    estimate = estimate_waits(NOW, seats, [party], TurnTimes())[party.party_id]
    assert estimate is not None and estimate.minutes == 20


def test_no_table_that_seats_the_party_gives_no_estimate() -> None:
    party = waiting(8)
    assert estimate_waits(NOW, [seat(4)], [party], TurnTimes())[party.party_id] is None


def test_learned_turn_times_replace_the_default_as_history_grows() -> None:
    stat = TurnStat()
    for minutes in [30.0] * 30:
        stat = stat.add(minutes)
    turns = TurnTimes({2: stat})
    assert default_turn_minutes(2) == 45
    assert turns.minutes(2) == pytest.approx((30 * 30 + 3 * 45) / 33)
    assert TurnTimes().minutes(2) == 45


def test_turn_stat_keeps_mean_and_variance() -> None:
    stat = TurnStat()
    for minutes in (40.0, 50.0, 60.0):
        stat = stat.add(minutes)
    assert stat.count == 3 and stat.mean == pytest.approx(50)
    assert stat.m2 / (stat.count - 1) == pytest.approx(100)


def test_range_always_holds_the_point() -> None:
    queue = [waiting(size) for size in (2, 4, 2, 6, 3)]
    seats = [seat(2, 10), seat(4, 25), seat(6, 50)]
    for estimate in estimate_waits(NOW, seats, queue, TurnTimes()).values():
        assert estimate is not None
        assert estimate.low <= estimate.minutes <= estimate.high
