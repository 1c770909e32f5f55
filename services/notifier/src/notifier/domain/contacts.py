"""Who to reach for a party or a booking, as the waitlist and reservations events told us."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Contact:
    kind: str  # party | reservation
    subject_id: uuid.UUID
    restaurant_id: uuid.UUID
    name: str
    phone: str | None
    last_sequence: int
    details: dict[str, Any] = field(default_factory=dict)
    finished: str | None = None  # why the party no longer waits, if it does not

    def overtaken_by(self, sequence: int) -> bool:
        """True when the party already left/checked in after an event of this (late) sequence."""
        return self.finished is not None and self.last_sequence > sequence
