"""The notifier's domain events: what happened to a message, in the notifier's own words.

Plain data; `adapters/event_contracts.py` makes the versioned wire contracts from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from notifier.domain.rules import Audience


@dataclass(frozen=True)
class NotificationCreated:
    """A message was made: shown in realtime, and sent on its other channels."""

    notification_id: uuid.UUID
    restaurant_id: uuid.UUID
    audience: Audience
    party_id: uuid.UUID | None
    reservation_id: uuid.UUID | None
    kind: str
    title: str
    body: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class NotificationDelivered:
    """A message reached its recipient on one channel."""

    notification_id: uuid.UUID
    restaurant_id: uuid.UUID
    channel: str
    attempts: int


@dataclass(frozen=True)
class NotificationFailed:
    """A message could not be delivered on one channel; no more attempts are made."""

    notification_id: uuid.UUID
    restaurant_id: uuid.UUID
    channel: str
    attempts: int
    reason: str
