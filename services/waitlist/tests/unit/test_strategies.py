"""The strategies as plain functions: who gets a free table."""

import uuid
from datetime import UTC, datetime

from waitlist.domain.floor import Table
from waitlist.domain.party import Party
from waitlist.domain.strategies import choose_party

NOW = datetime(2025, 6, 14, 19, 0, tzinfo=UTC)
RID = uuid.uuid4()


def table(capacity: int, kind: str = "table") -> Table:
    return Table(
        id=uuid.uuid4(), restaurant_id=RID, capacity=capacity, kind=kind, status="available"
    )  # type: ignore[arg-type]


def queue(*sizes: int, preference: str = "any") -> list[Party]:
    return [
        Party(
            id=uuid.uuid4(),
            restaurant_id=RID,
            name=f"P{i}",
            party_size=size,
            preference=preference,  # type: ignore[arg-type]
            phone=None,
            token_hash=f"h{i}",
            status="waiting",
            queue_order=i,
            joined_at=NOW,
        )
        for i, size in enumerate(sizes, start=1)
    ]


def test_fifo_gives_the_table_to_the_first_party_that_fits() -> None:
    parties = queue(6, 2, 4)
    choice = choose_party("fifo", table(4), parties, 3)
    assert choice is not None and choice.party is parties[1]
    assert choice.passed_over == []


def test_fifo_skips_parties_whose_preference_the_table_does_not_meet() -> None:
    parties = queue(2, 2)
    parties[0].preference = "counter"
    choice = choose_party("fifo", table(2, "table"), parties, 3)
    assert choice is not None and choice.party is parties[1]


def test_counter_seat_goes_to_counter_or_any_party() -> None:
    parties = queue(1, 1)
    parties[0].preference = "table"
    choice = choose_party("fifo", table(2, "counter"), parties, 3)
    assert choice is not None and choice.party is parties[1]


def test_no_party_fits_means_no_choice() -> None:
    assert choose_party("fifo", table(2), queue(4, 6), 3) is None
    assert choose_party("best_fit", table(2), queue(4, 6), 3) is None


def test_only_waiting_parties_are_chosen() -> None:
    parties = queue(2, 2)
    parties[0].status = "called"
    choice = choose_party("fifo", table(2), parties, 3)
    assert choice is not None and choice.party is parties[1]


def test_a_party_is_not_offered_the_table_it_let_go() -> None:
    parties = queue(2, 2)
    free = table(2)
    parties[0].missed_table_id = free.id
    choice = choose_party("fifo", free, parties, 3)
    assert choice is not None and choice.party is parties[1]


def test_best_fit_takes_the_party_that_leaves_fewest_seats_empty() -> None:
    parties = queue(2, 5, 6)
    choice = choose_party("best_fit", table(6), parties, 3)
    assert choice is not None and choice.party is parties[2]
    assert choice.passed_over == [parties[0], parties[1]]


def test_best_fit_breaks_ties_by_queue_order() -> None:
    parties = queue(2, 4, 4)
    choice = choose_party("best_fit", table(4), parties, 3)
    assert choice is not None and choice.party is parties[1]


def test_best_fit_takes_a_party_passed_over_too_often_first() -> None:
    parties = queue(2, 4)
    parties[0].passed_over = 3
    choice = choose_party("best_fit", table(4), parties, 3)
    assert choice is not None and choice.party is parties[0]
    assert choice.passed_over == []


def test_best_fit_with_bound_zero_is_fifo() -> None:
    parties = queue(2, 4)
    choice = choose_party("best_fit", table(4), parties, 0)
    assert choice is not None and choice.party is parties[0]
