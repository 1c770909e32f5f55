"""Slot computation: opening hours across midnight, daylight-saving days, party and table sizes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reservations.domain.errors import RuleViolation
from reservations.domain.hours import OpeningPeriod
from reservations.domain.slots import (
    BOOKING_HORIZON_DAYS,
    BookableTable,
    BookedSpan,
    check_booking_start,
    local_day_bounds,
    slot_starts,
    slots_for,
)

PARIS = ZoneInfo("Europe/Paris")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NEW_YEAR = datetime(2025, 1, 1, tzinfo=UTC)  # before every day booked here, inside the horizon


def every_day(opens: str, closes: str) -> list[OpeningPeriod]:
    o, c = time.fromisoformat(opens), time.fromisoformat(closes)
    return [OpeningPeriod(d, o, c) for d in range(7)]


def local(zone: ZoneInfo, starts: list[datetime]) -> list[str]:
    return [s.astimezone(zone).strftime("%H:%M%z") for s in starts]


def test_slots_are_on_the_hour_and_end_by_closing_time() -> None:
    tuesday = date(2025, 6, 10)
    periods = [OpeningPeriod(1, time(18, 30), time(22, 30))]

    starts = slot_starts(tuesday, PARIS, periods, 60)

    assert local(PARIS, starts) == ["19:00+0200", "20:00+0200", "21:00+0200"]


def test_half_hour_slots_start_on_every_half_hour() -> None:
    tuesday = date(2025, 6, 10)
    periods = [OpeningPeriod(1, time(12, 0), time(14, 0))]

    starts = slot_starts(tuesday, PARIS, periods, 30)

    assert local(PARIS, starts) == ["12:00+0200", "12:30+0200", "13:00+0200", "13:30+0200"]


def test_a_day_without_opening_hours_has_no_slots() -> None:
    periods = [OpeningPeriod(4, time(18, 0), time(23, 0))]  # Fridays only
    assert slot_starts(date(2025, 6, 10), PARIS, periods, 60) == []


def test_hours_past_midnight_belong_to_the_day_they_opened_but_slots_to_their_date() -> None:
    periods = [OpeningPeriod(4, time(20, 0), time(2, 0))]  # Friday 20:00 to Saturday 02:00
    friday, saturday, sunday = date(2025, 6, 13), date(2025, 6, 14), date(2025, 6, 15)

    assert local(PARIS, slot_starts(friday, PARIS, periods, 60)) == [
        "20:00+0200",
        "21:00+0200",
        "22:00+0200",
        "23:00+0200",
    ]
    assert local(PARIS, slot_starts(saturday, PARIS, periods, 60)) == ["00:00+0200", "01:00+0200"]
    assert slot_starts(sunday, PARIS, periods, 60) == []


def test_the_previous_nights_hours_and_the_days_own_hours_both_count() -> None:
    periods = [
        OpeningPeriod(4, time(22, 0), time(1, 0)),  # Friday night
        OpeningPeriod(5, time(12, 0), time(14, 0)),  # Saturday lunch
    ]
    saturday = date(2025, 6, 14)

    starts = slot_starts(saturday, PARIS, periods, 60)

    assert local(PARIS, starts) == ["00:00+0200", "12:00+0200", "13:00+0200"]


def test_closing_at_midnight_runs_to_the_end_of_the_day() -> None:
    periods = [OpeningPeriod(1, time(21, 0), time(0, 0))]
    starts = slot_starts(date(2025, 6, 10), PARIS, periods, 60)
    assert local(PARIS, starts) == ["21:00+0200", "22:00+0200", "23:00+0200"]


def test_london_spring_forward_skips_the_hour_that_does_not_exist() -> None:
    # 2025-03-30: at 01:00 GMT the clocks jump to 02:00 BST.
    periods = every_day("22:00", "04:00")
    sunday = date(2025, 3, 30)

    starts = slot_starts(sunday, LONDON, periods, 60)

    sunday_night = [s for s in starts if s.astimezone(LONDON).hour < 4]
    assert local(LONDON, sunday_night) == ["00:00+0000", "02:00+0100", "03:00+0100"]
    assert [s.strftime("%H:%M") for s in sunday_night] == ["00:00", "01:00", "02:00"]


def test_london_fall_back_offers_the_repeated_hour_twice() -> None:
    # 2025-10-26: at 02:00 BST the clocks go back to 01:00 GMT; 01:00 happens twice.
    periods = every_day("22:00", "03:00")
    sunday = date(2025, 10, 26)

    night = [s for s in slot_starts(sunday, LONDON, periods, 60) if s.astimezone(LONDON).hour < 3]

    assert local(LONDON, night) == ["00:00+0100", "01:00+0100", "01:00+0000", "02:00+0000"]
    assert [s.strftime("%H:%M") for s in night] == ["23:00", "00:00", "01:00", "02:00"]


def test_new_york_spring_forward_and_fall_back() -> None:
    periods = every_day("17:00", "04:00")

    march = slot_starts(date(2025, 3, 9), NEW_YORK, periods, 60)
    november = slot_starts(date(2025, 11, 2), NEW_YORK, periods, 60)

    early_march = [s for s in march if s.astimezone(NEW_YORK).hour < 4]
    assert local(NEW_YORK, early_march) == ["00:00-0500", "01:00-0500", "03:00-0400"]
    early_november = [s for s in november if s.astimezone(NEW_YORK).hour < 4]
    assert local(NEW_YORK, early_november) == [
        "00:00-0400",
        "01:00-0400",
        "01:00-0500",
        "02:00-0500",
        "03:00-0500",
    ]


def test_evening_slots_on_a_dst_day_keep_their_wall_clock_times() -> None:
    periods = every_day("18:00", "21:00")
    for day in (date(2025, 3, 30), date(2025, 10, 26)):
        assert [s.astimezone(LONDON).hour for s in slot_starts(day, LONDON, periods, 60)] == [
            18,
            19,
            20,
        ]


TABLES = [
    BookableTable(uuid.uuid4(), "T2", 2),
    BookableTable(uuid.uuid4(), "T4", 4),
    BookableTable(uuid.uuid4(), "T6", 6),
    BookableTable(uuid.uuid4(), "T8", 8),
]


@pytest.mark.parametrize("party_size", range(1, 9))
def test_each_slot_lists_every_table_that_seats_the_party_smallest_first(party_size: int) -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(20, 0))]

    slots = slots_for(date(2025, 6, 10), PARIS, periods, 60, TABLES, [], party_size, NEW_YEAR)

    expected = [t.label for t in TABLES if t.capacity >= party_size]
    assert [s.table_label for s in slots] == expected * 2
    assert all(s.available and s.capacity >= party_size for s in slots)
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)


def test_a_party_larger_than_every_table_gets_no_slot() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(20, 0))]
    assert slots_for(date(2025, 6, 10), PARIS, periods, 60, TABLES, [], 9, NEW_YEAR) == []


def test_a_booking_takes_only_its_table_and_its_slot() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(21, 0))]
    tuesday = date(2025, 6, 10)
    seven = datetime(2025, 6, 10, 17, 0, tzinfo=UTC)  # 19:00 in Paris
    t4 = TABLES[1]
    booked = [BookedSpan(t4.id, seven, seven + timedelta(hours=1))]

    slots = slots_for(tuesday, PARIS, periods, 60, TABLES, booked, 4, NEW_YEAR)

    taken = [(s.starts_at, s.table_label) for s in slots if not s.available]
    assert taken == [(seven, "T4")]


def test_slots_already_started_are_not_available() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(21, 0))]
    now = datetime(2025, 6, 10, 17, 30, tzinfo=UTC)  # 19:30 in Paris

    slots = slots_for(date(2025, 6, 10), PARIS, periods, 60, TABLES[:1], [], 2, now)

    assert [(s.starts_at.astimezone(PARIS).hour, s.available) for s in slots] == [
        (18, False),
        (19, False),
        (20, True),
    ]


def test_local_day_bounds_follow_the_zone_on_a_short_day() -> None:
    start, end = local_day_bounds(date(2025, 3, 30), LONDON)
    assert end - start == timedelta(hours=23)


class TestBookingStart:
    periods = [OpeningPeriod(1, time(18, 0), time(22, 0))]  # Tuesdays
    now = datetime(2025, 6, 1, tzinfo=UTC)

    def check(self, starts_at: datetime, zone: ZoneInfo = PARIS) -> None:
        check_booking_start(starts_at, zone, self.periods, 60, self.now)

    def refusal(self, starts_at: datetime) -> str:
        with pytest.raises(RuleViolation) as refused:
            self.check(starts_at)
        assert refused.value.field == "starts_at"
        return refused.value.message

    def test_a_slot_inside_the_hours_is_accepted(self) -> None:
        self.check(datetime(2025, 6, 10, 19, 0, tzinfo=PARIS))

    def test_a_start_in_the_past_is_refused(self) -> None:
        assert "past" in self.refusal(datetime(2025, 5, 27, 19, 0, tzinfo=PARIS))

    def test_a_closed_day_is_refused(self) -> None:
        assert "closed" in self.refusal(datetime(2025, 6, 11, 19, 0, tzinfo=PARIS))

    def test_a_start_off_the_boundary_is_refused(self) -> None:
        assert "boundary" in self.refusal(datetime(2025, 6, 10, 19, 30, tzinfo=PARIS))

    def test_a_start_outside_the_hours_is_refused(self) -> None:
        assert "outside" in self.refusal(datetime(2025, 6, 10, 22, 0, tzinfo=PARIS))
        assert "outside" in self.refusal(datetime(2025, 6, 10, 12, 0, tzinfo=PARIS))

    def test_the_second_of_two_repeated_hours_is_a_slot_of_its_own(self) -> None:
        periods = every_day("22:00", "03:00")
        second_one_oclock = datetime(2025, 10, 26, 1, 0, tzinfo=UTC)  # 01:00 GMT
        check_booking_start(second_one_oclock, LONDON, periods, 60, self.now)


ZONES = ["Europe/London", "America/New_York", "Europe/Paris", "Australia/Sydney", "Asia/Tokyo"]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    zone_name=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    opens=st.integers(min_value=0, max_value=23),
    hours_open=st.integers(min_value=1, max_value=23),
    slot_minutes=st.sampled_from([15, 30, 60, 90, 120]),
)
def test_every_listed_slot_can_be_booked_and_starts_on_a_boundary_of_its_date(
    zone_name: str, day: date, opens: int, hours_open: int, slot_minutes: int
) -> None:
    zone = ZoneInfo(zone_name)
    closes = (opens + hours_open) % 24
    periods = every_day(f"{opens:02d}:00", f"{closes:02d}:00")

    starts = slot_starts(day, zone, periods, slot_minutes)
    # Booked the day before: in the future, and well inside the booking horizon.
    the_day_before = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)

    assert starts == sorted(set(starts))
    for start in starts:
        wall = start.astimezone(zone)
        assert wall.date() == day
        assert (wall.hour * 60 + wall.minute) % slot_minutes == 0
        check_booking_start(start, zone, periods, slot_minutes, the_day_before)


def test_a_booking_over_two_slots_takes_both_and_one_ending_at_a_start_does_not() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(22, 0))]
    six = datetime(2025, 6, 10, 16, 0, tzinfo=UTC)  # 18:00 in Paris
    t2, t4 = TABLES[0], TABLES[1]
    booked = [
        BookedSpan(t2.id, six + timedelta(minutes=30), six + timedelta(minutes=90)),
        BookedSpan(t4.id, six - timedelta(hours=1), six),  # ends as the first slot starts
    ]

    slots = slots_for(date(2025, 6, 10), PARIS, periods, 60, TABLES, booked, 2, NEW_YEAR)

    taken = [(s.starts_at.astimezone(PARIS).hour, s.table_label) for s in slots if not s.available]
    assert taken == [(18, "T2"), (19, "T2")]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    zone_name=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2025, 3, 28), max_value=date(2025, 4, 1))
    | st.dates(min_value=date(2025, 10, 24), max_value=date(2025, 11, 4)),
    slot_minutes=st.sampled_from([30, 60, 90]),
    party_size=st.integers(min_value=1, max_value=9),
    spans=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),  # table
            st.integers(min_value=-24 * 60, max_value=48 * 60),  # start, minutes into the day
            st.integers(min_value=0, max_value=5 * 60),  # length in minutes
        ),
        max_size=30,
    ),
    now_minutes=st.integers(min_value=-60, max_value=25 * 60),
)
def test_a_slot_is_free_exactly_when_it_has_not_started_and_no_booking_of_its_table_overlaps(
    zone_name: str,
    day: date,
    slot_minutes: int,
    party_size: int,
    spans: list[tuple[int, int, int]],
    now_minutes: int,
) -> None:
    zone = ZoneInfo(zone_name)
    periods = every_day("17:00", "02:00") + every_day("01:00", "04:00")
    midnight, _ = local_day_bounds(day, zone)
    booked = [
        BookedSpan(
            TABLES[t].id,
            midnight + timedelta(minutes=start),
            midnight + timedelta(minutes=start + length),
        )
        for t, start, length in spans
    ]
    now = midnight + timedelta(minutes=now_minutes)

    slots = slots_for(day, zone, periods, slot_minutes, TABLES, booked, party_size, now)

    fitting = [t for t in TABLES if t.capacity >= party_size]
    starts = slot_starts(day, zone, periods, slot_minutes)
    assert [(s.starts_at, s.table_id) for s in slots] == [
        (start, t.id) for start in starts for t in fitting
    ]
    for s in slots:
        overlapping = [
            b
            for b in booked
            if b.table_id == s.table_id and b.starts_at < s.ends_at and s.starts_at < b.ends_at
        ]
        assert s.ends_at - s.starts_at == timedelta(minutes=slot_minutes)
        assert s.available == (s.starts_at > now and not overlapping)


def test_slots_further_ahead_than_bookings_open_are_listed_taken() -> None:
    """The listing agrees with `book`: a slot past the horizon is shown, never free."""
    periods = every_day("18:00", "22:00")
    day = date(2025, 6, 10)
    # Exactly BOOKING_HORIZON_DAYS before 20:00 in Paris (18:00 UTC) on that day.
    now = datetime(2025, 6, 10, 18, 0, tzinfo=UTC) - timedelta(days=BOOKING_HORIZON_DAYS)
    slots = slots_for(day, PARIS, periods, 60, TABLES[:1], [], 2, now)
    free = [s.starts_at.astimezone(PARIS).hour for s in slots if s.available]
    assert free == [18, 19, 20]
    for slot in slots:
        if slot.available:
            check_booking_start(slot.starts_at, PARIS, periods, 60, now)
        else:
            with pytest.raises(RuleViolation):
                check_booking_start(slot.starts_at, PARIS, periods, 60, now)
