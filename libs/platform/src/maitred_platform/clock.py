"""Where a service reads the time; injected so tests (and simulated evenings) can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def scaled_clock(scale: float, start: datetime | None = None) -> Clock:
    """Time that runs `scale` times faster than the wall clock, from `start` (default: now).

    For simulated evenings (benchmarks, end-to-end tests); production refuses a scale.
    """
    origin = start or system_clock()
    wall_origin = system_clock()

    def now() -> datetime:
        return origin + (system_clock() - wall_origin) * scale

    return now
