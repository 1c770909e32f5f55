"""Fixed ids and times for the models' `example()` instances (deterministic documents)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

RESTAURANT_ID = uuid.UUID("4b1c2f0e-8d3a-4c5e-9f6a-1a2b3c4d5e6f")
STAFF_ID = uuid.UUID("7e0d6a2b-3c4f-4a1e-8b9c-0d1e2f3a4b5c")
TABLE_ID = uuid.UUID("c2a9e3f1-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
PARTY_ID = uuid.UUID("9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f")
OTHER_PARTY_ID = uuid.UUID("1d2c3b4a-5e6f-4a7b-9c8d-7e6f5a4b3c2d")
RESERVATION_ID = uuid.UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
NOTIFICATION_ID = uuid.UUID("e1f2a3b4-c5d6-4e7f-9a8b-c7d6e5f4a3b2")

PHONE = "+33612345678"
SEALED_BLOB = "v1.gAAAAABn1x0QexampleSealedManageTokenOpaqueToEveryoneButTheNotifier"

NOW = datetime(2025, 6, 14, 17, 30, tzinfo=UTC)
"""A Saturday evening, 19:30 in Paris."""


def at(minutes: int) -> datetime:
    """`NOW` shifted by `minutes`."""
    return NOW + timedelta(minutes=minutes)
