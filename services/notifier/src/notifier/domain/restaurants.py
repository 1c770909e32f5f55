"""What the notifier knows of a restaurant: its name and time zone, and its own settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestaurantProfile:
    id: uuid.UUID
    name: str
    timezone: str
    reminder_minutes: int
    email: str | None = None
    channels: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def unknown(cls, restaurant_id: uuid.UUID, reminder_minutes: int) -> RestaurantProfile:
        """Settings and names not heard of yet: the defaults."""
        return cls(restaurant_id, "the restaurant", "UTC", reminder_minutes)
