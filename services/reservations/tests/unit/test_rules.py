"""Opening hours, party sizes, booking moves and the floor's status moves, as plain rules."""

from __future__ import annotations

import uuid
from datetime import time

import pytest

from reservations.domain.bookings import check_party_size, next_status
from reservations.domain.errors import RuleViolation, StateConflict
from reservations.domain.floor import (
    TableState,
    hold_outcome,
    party_arrived,
    party_finished,
    party_released,
    seat_booking,
    staff_move,
)
from reservations.domain.hours import OpeningPeriod, check_periods, check_timezone

PARTY = uuid.uuid4()
OTHER = uuid.uuid4()


def period(weekday: int, opens: str, closes: str) -> OpeningPeriod:
    return OpeningPeriod(weekday, time.fromisoformat(opens), time.fromisoformat(closes))


class TestOpeningHours:
    def test_lunch_and_dinner_on_one_day_are_fine(self) -> None:
        check_periods([period(0, "12:00", "14:30"), period(0, "19:00", "23:00")])

    def test_overlapping_periods_are_refused(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_periods([period(0, "12:00", "15:00"), period(0, "14:00", "23:00")])
        assert refused.value.field == "opening_hours.1"

    def test_a_night_running_into_the_next_days_hours_is_refused(self) -> None:
        with pytest.raises(RuleViolation):
            check_periods([period(4, "20:00", "03:00"), period(5, "02:00", "06:00")])

    def test_sunday_night_running_into_monday_is_checked_too(self) -> None:
        with pytest.raises(RuleViolation):
            check_periods([period(6, "20:00", "03:00"), period(0, "01:00", "06:00")])
        check_periods([period(6, "20:00", "03:00"), period(0, "03:00", "06:00")])

    def test_a_period_that_opens_and_closes_at_once_is_refused(self) -> None:
        with pytest.raises(RuleViolation):
            check_periods([period(2, "18:00", "18:00")])

    @pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "europe/paris"])
    def test_unknown_time_zones_are_refused(self, name: str) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_timezone(name)
        assert refused.value.field == "timezone"

    def test_iana_zones_are_accepted(self) -> None:
        assert str(check_timezone("America/New_York")) == "America/New_York"


class TestPartySize:
    @pytest.mark.parametrize("size", [0, -1, 9, 13])
    def test_sizes_outside_the_limits_or_the_largest_table_are_refused(self, size: int) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_party_size(size, 1, 12, 8)
        assert refused.value.field == "party_size"

    def test_the_restaurants_minimum_applies(self) -> None:
        with pytest.raises(RuleViolation):
            check_party_size(1, 2, 12, 8)

    def test_a_party_the_largest_table_seats_is_accepted(self) -> None:
        check_party_size(8, 1, 12, 8)


class TestBookingMoves:
    def test_the_usual_visit(self) -> None:
        assert next_status("booked", "seat") == "seated"
        assert next_status("seated", "complete") == "completed"

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            ("cancelled", "cancel"),
            ("seated", "cancel"),
            ("booked", "complete"),
            ("completed", "seat"),
            ("seated", "no_show"),
        ],
    )
    def test_moves_from_the_wrong_status_conflict(self, status: str, action: str) -> None:
        with pytest.raises(StateConflict):
            next_status(status, action)  # type: ignore[arg-type]


class TestFloor:
    def test_staff_cannot_hold_a_table(self) -> None:
        with pytest.raises(StateConflict):
            staff_move(TableState("available"), "held")

    @pytest.mark.parametrize(
        ("current", "wanted"),
        [
            ("out_of_service", "occupied"),
            ("held", "available"),
            ("cleaning", "occupied"),
            ("occupied", "out_of_service"),
        ],
    )
    def test_illegal_staff_moves_conflict(self, current: str, wanted: str) -> None:
        with pytest.raises(StateConflict):
            staff_move(TableState(current), wanted)  # type: ignore[arg-type]

    def test_setting_the_same_status_changes_nothing(self) -> None:
        assert staff_move(TableState("cleaning"), "cleaning") is None

    def test_freeing_a_table_forgets_who_sat_there(self) -> None:
        assert staff_move(TableState("occupied", PARTY), "available") == TableState("available")

    def test_seating_a_held_party_keeps_the_party(self) -> None:
        assert staff_move(TableState("held", PARTY), "occupied") == TableState("occupied", PARTY)

    def test_a_call_holds_only_a_free_table_not_booked_soon(self) -> None:
        free = TableState("available")
        assert hold_outcome(free, PARTY, booked_soon=False) == "hold"
        assert hold_outcome(free, PARTY, booked_soon=True) == "booked_soon"
        assert hold_outcome(TableState("held", OTHER), PARTY, False) == "not_available"
        assert hold_outcome(TableState("held", PARTY), PARTY, False) == "already_held"

    def test_waitlist_events_move_only_the_partys_own_table(self) -> None:
        held = TableState("held", PARTY)
        assert party_arrived(held, PARTY) == TableState("occupied", PARTY)
        assert party_arrived(TableState("held", OTHER), PARTY) is None
        assert party_released(held, PARTY) == TableState("available")
        assert party_released(TableState("occupied", PARTY), PARTY) is None
        assert party_released(held, OTHER) is None

    def test_a_finished_party_frees_its_table_to_cleaning_when_asked(self) -> None:
        occupied = TableState("occupied", PARTY)
        assert party_finished(occupied, PARTY, clean_after_party=False) == TableState("available")
        assert party_finished(occupied, PARTY, clean_after_party=True) == TableState("cleaning")
        assert party_finished(TableState("occupied", OTHER), PARTY, False) is None

    def test_a_booking_is_seated_only_at_a_free_table(self) -> None:
        booking = uuid.uuid4()
        seated = seat_booking(TableState("cleaning"), booking)
        assert seated == TableState("occupied", reservation_id=booking)
        with pytest.raises(StateConflict):
            seat_booking(TableState("held", PARTY), booking)
