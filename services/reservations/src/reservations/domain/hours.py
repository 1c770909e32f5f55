"""Opening hours: weekly periods in local wall-clock time; one may run past midnight."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from reservations.domain.errors import RuleViolation

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class OpeningPeriod:
    """Open from `opens` to `closes` on `weekday` (0 = Monday).

    A closing time at or before the opening time is on the next day: the period belongs to
    the day it opened (open Friday 18:00, close 02:00 = Friday night until Saturday 02:00).
    """

    weekday: int
    opens: time
    closes: time

    @property
    def runs_past_midnight(self) -> bool:
        return self.closes <= self.opens

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from the midnight of the day it opened."""
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        if self.runs_past_midnight:
            end += MINUTES_PER_DAY
        return start, end

    def as_dict(self) -> dict[str, object]:
        return {
            "weekday": self.weekday,
            "opens": self.opens.strftime("%H:%M"),
            "closes": self.closes.strftime("%H:%M"),
        }


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def periods_from(raw: Iterable[dict[str, object]]) -> list[OpeningPeriod]:
    return [
        OpeningPeriod(
            int(str(p["weekday"])), parse_hhmm(str(p["opens"])), parse_hhmm(str(p["closes"]))
        )
        for p in raw
    ]


def check_periods(periods: Sequence[OpeningPeriod]) -> None:
    """Refuses empty periods and periods that overlap (also across midnight and Sunday→Monday)."""
    spans = []
    for index, period in enumerate(periods):
        if not 0 <= period.weekday <= 6:
            raise RuleViolation(
                "weekday must be 0 (Monday) to 6 (Sunday)", f"opening_hours.{index}"
            )
        if period.opens == period.closes:
            raise RuleViolation(
                "opens and closes must differ (a period of zero or 24 hours is ambiguous)",
                f"opening_hours.{index}",
            )
        start, end = period.minutes()
        offset = period.weekday * MINUTES_PER_DAY
        spans.append((offset + start, offset + end, index))
    for a_start, a_end, a_index in spans:
        for b_start, b_end, b_index in spans:
            if a_index >= b_index:
                continue
            for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK):
                if a_start < b_end + shift and b_start + shift < a_end:
                    raise RuleViolation(
                        f"overlaps opening period {a_index}", f"opening_hours.{b_index}"
                    )


def check_timezone(name: str) -> ZoneInfo:
    """An IANA time zone name, e.g. Europe/Paris; refuses anything zoneinfo does not know."""
    if name not in _known_timezones():
        raise RuleViolation("not a known IANA time zone, e.g. Europe/Paris", "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleViolation("not a known IANA time zone, e.g. Europe/Paris", "timezone") from exc


_ZONES: set[str] = set()


def _known_timezones() -> set[str]:
    # Checked against the list rather than ZoneInfo() alone, which also opens file paths.
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def check_slot_minutes(slot_minutes: int) -> None:
    if slot_minutes < 5 or MINUTES_PER_DAY % slot_minutes != 0:
        raise RuleViolation(
            "must be at least 5 and divide a day evenly (e.g. 15, 30, 60, 90, 120)", "slot_minutes"
        )
