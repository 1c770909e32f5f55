"""What the use cases need from storage: the repositories a unit of work holds.

`adapters/` implements them on Postgres; the unit tests' fakes implement them in memory.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from notifier.domain.contacts import Contact
from notifier.domain.delivery import Outgoing
from notifier.domain.notifications import Delivery, Notification
from notifier.domain.reminders import DueReminder
from notifier.domain.restaurants import RestaurantProfile
from notifier.domain.webhooks import Webhook, WebhookTarget


class RestaurantRepository(Protocol):
    """Restaurants (names, time zones, settings and templates) and their table labels."""

    async def profile(
        self, restaurant_id: uuid.UUID, default_reminder_minutes: int
    ) -> RestaurantProfile: ...

    async def record(
        self, restaurant_id: uuid.UUID, name: str, timezone: str, sequence: int
    ) -> None:
        """Keeps the newest name and time zone; an older event arriving late changes nothing."""

    async def save_settings(self, restaurant_id: uuid.UUID, changes: dict[str, Any]) -> None: ...

    async def record_table(
        self, table_id: uuid.UUID, restaurant_id: uuid.UUID, label: str
    ) -> None: ...

    async def table_label(self, table_id: uuid.UUID | None) -> str | None: ...


class ContactRepository(Protocol):
    async def add(self, contact: Contact) -> None:
        """Keeps the first one heard of: a redelivered event changes nothing."""

    async def touch_party(
        self, party_id: uuid.UUID, sequence: int, finished: str | None = None
    ) -> Contact | None:
        """The party's contact, its last seen sequence raised (and closed if `finished`)."""

    async def booking(self, reservation_id: uuid.UUID) -> Contact | None: ...


class NotificationRepository(Protocol):
    async def add(self, notification: Notification) -> bool:
        """Stores it with its deliveries; False when it exists (same event, rule, recipient)."""

    async def recent(
        self, restaurant_id: uuid.UUID, limit: int, before: datetime | None
    ) -> list[Notification]:
        """Newest first, each with its deliveries."""


class DeliveryRepository(Protocol):
    """Deliveries of webhooks, and the queue the delivery worker takes from."""

    async def add(self, deliveries: list[Delivery]) -> None:
        """Queues them; a webhook already queued for the same event is not queued twice."""

    async def restaurants_that_texted(self, phone: str) -> list[uuid.UUID]: ...

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Outgoing]:
        """Up to `limit` due deliveries no other worker holds, ours until `lease_until`."""

    async def finish(
        self,
        item: Outgoing,
        status: str,
        reason: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Records the outcome and the attempt if our lease still holds (no one took over)."""


class OptOutRepository(Protocol):
    async def add(self, restaurant_id: uuid.UUID, phone: str, source: str) -> None: ...

    async def withdraw(self, phone: str, source: str) -> None:
        """Removes the phone's opt-outs made by `source`."""

    async def blocks(self, restaurant_id: uuid.UUID, phone: str) -> bool: ...

    async def blocked(self, phones: set[str]) -> set[tuple[uuid.UUID, str]]:
        """(restaurant, phone) for each opt-out of these phones."""


class WebhookRepository(Protocol):
    async def add(
        self, restaurant_id: uuid.UUID, url: str, event_types: list[str], secret_sealed: str
    ) -> Webhook: ...

    async def list_for(self, restaurant_id: uuid.UUID) -> list[Webhook]: ...

    async def remove(self, restaurant_id: uuid.UUID, webhook_id: uuid.UUID) -> bool: ...

    async def asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> list[WebhookTarget]:
        """The restaurant's webhooks that asked for this event type."""

    async def any_asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> bool: ...


class ReminderRepository(Protocol):
    async def schedule(
        self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID, due_at: datetime
    ) -> None:
        """A cancellation that arrived first left a cancelled reminder: it stays cancelled."""

    async def cancel(self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID) -> None:
        """Drops the reminder, or keeps one from being scheduled when the booking comes later."""

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        """Pending reminders due by `now`, locked for this unit (skipping those another holds)."""

    async def mark_sent(self, reminder_id: uuid.UUID, now: datetime) -> None: ...
