"""Times as a diner reads them: in the restaurant's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hour_minute(moment: datetime, timezone: str | None) -> str:
    """`20:05`: a time later today, e.g. a check-in deadline."""
    return moment.astimezone(zone(timezone)).strftime("%H:%M")


def day_and_time(moment: datetime, timezone: str | None) -> str:
    """`Sat 14 Jun 20:00`: a booking's start."""
    return moment.astimezone(zone(timezone)).strftime("%a %d %b %H:%M")
