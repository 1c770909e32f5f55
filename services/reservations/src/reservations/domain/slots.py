"""Booking slots, computed on demand from opening hours, tables and bookings.

Slots of a date are those that start on that local calendar date: the day's own periods
and the part of the previous day's period that runs past midnight. Boundaries fall on
multiples of `slot_minutes` from local midnight (60 → on the hour) and a slot must end by
closing time. Wall times are built in the restaurant's zone and converted to UTC: a time
skipped by a daylight-saving jump does not exist and has no slot; a time that happens twice
gives two slots, one per real hour.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reservations.domain.errors import RuleViolation
from reservations.domain.hours import OpeningPeriod


@dataclass(frozen=True)
class BookableTable:
    id: uuid.UUID
    label: str
    capacity: int


@dataclass(frozen=True)
class BookedSpan:
    table_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    table_id: uuid.UUID
    table_label: str
    capacity: int
    available: bool


def slot_starts(
    day: date, zone: ZoneInfo, periods: Sequence[OpeningPeriod], slot_minutes: int
) -> list[datetime]:
    """Every slot start (UTC) on the local date `day`, in order."""
    starts: set[datetime] = set()
    for opened_on in (day - timedelta(days=1), day):
        for period in periods:
            if period.weekday != opened_on.weekday():
                continue
            start, end = period.minutes()
            first = (
                -(-start // slot_minutes) * slot_minutes
            )  # the first boundary at or after opening
            midnight = datetime.combine(opened_on, datetime.min.time())
            for minute in range(first, end - slot_minutes + 1, slot_minutes):
                wall = midnight + timedelta(minutes=minute)
                if wall.date() == day:
                    starts.update(_instants(wall, zone))
    return sorted(starts)


def _instants(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The real instants (UTC) a local wall time names: none in a gap, two in a repeated hour."""
    found = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall and instant not in found:
            found.append(instant)
    return found


@dataclass(frozen=True)
class SlotGrid:
    """A day's slots for a party: every start with every table that seats it, and which are free.

    Kept as a grid (one flag per start and table) rather than a list of `Slot`s: the day of a
    large floor has hundreds of slots, and the grid answers them without an object each.
    """

    starts: tuple[datetime, ...]  # UTC, in order
    length: timedelta
    tables: tuple[BookableTable, ...]  # the fitting ones, smallest first
    free: bytes  # free[i * len(tables) + j] == 1: table j is free at starts[i]

    def is_free(self, start: int, table: int) -> bool:
        return self.free[start * len(self.tables) + table] == 1

    def slots(self) -> list[Slot]:
        """The grid as slots, start by start, each start's tables smallest first."""
        return [
            Slot(
                starts_at=starts_at,
                ends_at=starts_at + self.length,
                table_id=table.id,
                table_label=table.label,
                capacity=table.capacity,
                available=self.is_free(i, j),
            )
            for i, starts_at in enumerate(self.starts)
            for j, table in enumerate(self.tables)
        ]


BOOKING_HORIZON_DAYS = 366
"""How far ahead bookings open. A start further away is refused and its day lists no slot;
it also keeps every date the API is given well inside the calendar's range."""


def slot_grid(
    day: date,
    zone: ZoneInfo,
    periods: Sequence[OpeningPeriod],
    slot_minutes: int,
    tables: Iterable[BookableTable],
    booked: Iterable[BookedSpan],
    party_size: int,
    now: datetime,
) -> SlotGrid:
    """Each slot of the day with each table that seats the party; free = no booking overlaps,
    the slot has not started and it is inside the booking horizon (what `book` accepts)."""
    fitting = tuple(
        sorted((t for t in tables if t.capacity >= party_size), key=lambda t: (t.capacity, t.label))
    )
    starts = slot_starts(day, zone, periods, slot_minutes)
    length = timedelta(minutes=slot_minutes)
    width = len(fitting)
    column = {table.id: j for j, table in enumerate(fitting)}
    free = bytearray(b"\x01") * (len(starts) * width)
    started = bisect_right(starts, now)  # starts[:started] are at or before now
    free[: started * width] = bytes(started * width)
    # starts[beyond:] are further ahead than bookings open
    beyond = bisect_right(starts, now + timedelta(days=BOOKING_HORIZON_DAYS))
    free[beyond * width :] = bytes((len(starts) - beyond) * width)
    for span in booked:
        j = column.get(span.table_id)
        if j is None:
            continue
        # The slots it overlaps: start < span's end and start + length > span's start.
        for i in range(
            bisect_right(starts, span.starts_at - length), bisect_left(starts, span.ends_at)
        ):
            free[i * width + j] = 0
    return SlotGrid(tuple(starts), length, fitting, bytes(free))


def slots_for(
    day: date,
    zone: ZoneInfo,
    periods: Sequence[OpeningPeriod],
    slot_minutes: int,
    tables: Iterable[BookableTable],
    booked: Iterable[BookedSpan],
    party_size: int,
    now: datetime,
) -> list[Slot]:
    """Each slot of the day with each table that seats the party; free = no booking overlaps."""
    return slot_grid(day, zone, periods, slot_minutes, tables, booked, party_size, now).slots()


def within_horizon(day: date, zone: ZoneInfo, now: datetime) -> bool:
    """Whether a local day is no further ahead than bookings open."""
    return day <= now.astimezone(zone).date() + timedelta(days=BOOKING_HORIZON_DAYS)


def check_booking_start(
    starts_at: datetime,
    zone: ZoneInfo,
    periods: Sequence[OpeningPeriod],
    slot_minutes: int,
    now: datetime,
) -> None:
    """A booking starts in the future, on an open day, on a slot boundary, inside the hours."""
    if starts_at <= now:
        raise RuleViolation("the start is in the past", "starts_at")
    if starts_at - now > timedelta(days=BOOKING_HORIZON_DAYS):
        raise RuleViolation(f"bookings open at most {BOOKING_HORIZON_DAYS} days ahead", "starts_at")
    local = starts_at.astimezone(zone)
    day_starts = slot_starts(local.date(), zone, periods, slot_minutes)
    if not day_starts:
        raise RuleViolation("the restaurant is closed on that day", "starts_at")
    minute_of_day = local.hour * 60 + local.minute
    if minute_of_day % slot_minutes or local.second or local.microsecond:
        raise RuleViolation(f"bookings start on a {slot_minutes}-minute slot boundary", "starts_at")
    if starts_at.astimezone(UTC) not in day_starts:
        raise RuleViolation("the slot is outside the opening hours", "starts_at")


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The UTC instants where the local date `day` begins and the next one begins; None for
    a day at the very edge of the calendar (year 1 or 9999), which no booking can fall on."""
    try:
        start = datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        return start, end.astimezone(UTC)
    except OverflowError:
        return None
