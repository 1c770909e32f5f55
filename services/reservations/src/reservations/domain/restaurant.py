"""A restaurant as the booking rules see it: its zone, hours, slot length and party limits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from reservations.domain.errors import RuleViolation
from reservations.domain.hours import (
    OpeningPeriod,
    check_periods,
    check_slot_minutes,
    check_timezone,
)

DEFAULT_SLOT_MINUTES = 60
DEFAULT_MIN_PARTY_SIZE = 1
DEFAULT_MAX_PARTY_SIZE = 12


@dataclass(frozen=True)
class Restaurant:
    id: uuid.UUID
    name: str
    phone: str
    timezone: str
    opening_hours: tuple[OpeningPeriod, ...]
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    min_party_size: int = DEFAULT_MIN_PARTY_SIZE
    max_party_size: int = DEFAULT_MAX_PARTY_SIZE
    # After a party leaves, the table goes to `cleaning` (True) or straight to `available`.
    clean_after_party: bool = False
    created_by: uuid.UUID | None = None
    created_at: datetime | None = field(default=None, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def check(self) -> None:
        """Refuses a configuration the booking rules could not work with."""
        check_timezone(self.timezone)
        check_periods(self.opening_hours)
        check_slot_minutes(self.slot_minutes)
        if self.min_party_size < 1:
            raise RuleViolation("must be at least 1", "min_party_size")
        if self.max_party_size < self.min_party_size:
            raise RuleViolation("must not be below min_party_size", "max_party_size")
