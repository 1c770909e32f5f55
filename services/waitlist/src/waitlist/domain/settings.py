"""A restaurant as the waitlist knows it, and its waitlist settings with their allowed ranges."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from waitlist.domain.strategies import Strategy

Mode = Literal["auto", "manual"]

CHECKIN_TIMEOUT_RANGE = (300, 900)
"""5 to 15 minutes: the range the industry uses for holding a table for a called party."""
HEADS_UP_RANGE = (0, 60)
MAX_PASSED_OVER_RANGE = (0, 20)
PARTY_SIZE_RANGE = (1, 100)


@dataclass
class Restaurant:
    """Projected from the reservations service; `known` once its created/updated event arrived."""

    id: uuid.UUID
    known: bool = False
    name: str | None = None
    timezone: str = "UTC"
    min_party_size: int = 1
    max_party_size: int = PARTY_SIZE_RANGE[1]
    details_sequence: int = -1
    # Digest of the last queue snapshot published, so an unchanged queue is not announced twice.
    snapshot_digest: str | None = None


@dataclass
class Settings:
    restaurant_id: uuid.UUID
    open: bool = True
    mode: Mode = "auto"
    strategy: Strategy = "fifo"
    checkin_timeout_seconds: int = 600
    # None follows the restaurant's own maximum party size.
    max_party_size: int | None = None
    heads_up_minutes: int = 5
    requeue_once: bool = False
    max_passed_over: int = 3
