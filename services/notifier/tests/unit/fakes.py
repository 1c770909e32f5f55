"""The notifier's unit of work in memory: its repositories as dicts and lists, for use-case
tests without Postgres. What was committed stays across units, as in a database."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from maitred_messaging.unit_of_work import FakeUnitOfWork
from notifier.adapters.event_contracts import to_contract
from notifier.domain.contacts import Contact
from notifier.domain.delivery import Outgoing
from notifier.domain.notifications import Delivery, Notification
from notifier.domain.reminders import DueReminder
from notifier.domain.restaurants import RestaurantProfile
from notifier.domain.webhooks import Webhook, WebhookTarget


class FakeRestaurants:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict[str, Any]] = {}
        self.tables: dict[uuid.UUID, str] = {}

    async def profile(
        self, restaurant_id: uuid.UUID, default_reminder_minutes: int
    ) -> RestaurantProfile:
        row = self.rows.get(restaurant_id)
        if row is None:
            return RestaurantProfile.unknown(restaurant_id, default_reminder_minutes)
        minutes = row.get("reminder_minutes")
        return RestaurantProfile(
            id=restaurant_id,
            name=row.get("name") or "the restaurant",
            timezone=row.get("timezone", "UTC"),
            reminder_minutes=default_reminder_minutes if minutes is None else minutes,
            email=row.get("email"),
            channels=dict(row.get("channels", {})),
            templates=dict(row.get("templates", {})),
        )

    async def record(
        self, restaurant_id: uuid.UUID, name: str, timezone: str, sequence: int
    ) -> None:
        row = self.rows.setdefault(restaurant_id, {"config_sequence": -1})
        if row["config_sequence"] < sequence:
            row.update(name=name, timezone=timezone, config_sequence=sequence)

    async def save_settings(self, restaurant_id: uuid.UUID, changes: dict[str, Any]) -> None:
        self.rows.setdefault(restaurant_id, {"config_sequence": -1}).update(changes)

    async def record_table(self, table_id: uuid.UUID, restaurant_id: uuid.UUID, label: str) -> None:
        self.tables[table_id] = label

    async def table_label(self, table_id: uuid.UUID | None) -> str | None:
        return None if table_id is None else self.tables.get(table_id)


class FakeContacts:
    def __init__(self) -> None:
        self.items: dict[tuple[str, uuid.UUID], Contact] = {}

    async def add(self, contact: Contact) -> None:
        self.items.setdefault((contact.kind, contact.subject_id), contact)

    async def touch_party(
        self, party_id: uuid.UUID, sequence: int, finished: str | None = None
    ) -> Contact | None:
        contact = self.items.get(("party", party_id))
        if contact is None:
            return None
        contact = dataclasses.replace(
            contact,
            last_sequence=max(contact.last_sequence, sequence),
            finished=finished or contact.finished,
        )
        self.items[("party", party_id)] = contact
        return contact

    async def booking(self, reservation_id: uuid.UUID) -> Contact | None:
        return self.items.get(("reservation", reservation_id))


class FakeDeliveries:
    def __init__(self) -> None:
        self.items: list[Delivery] = []
        self.messages: dict[uuid.UUID, Notification] = {}
        self.secrets: dict[uuid.UUID, str] = {}

    async def add(self, deliveries: list[Delivery]) -> None:
        queued = {(d.webhook_id, d.event_id) for d in self.items if d.webhook_id is not None}
        for d in deliveries:
            if d.webhook_id is None or (d.webhook_id, d.event_id) not in queued:
                self.items.append(d)

    async def restaurants_that_texted(self, phone: str) -> list[uuid.UUID]:
        return list(
            dict.fromkeys(
                d.restaurant_id for d in self.items if d.channel == "sms" and d.destination == phone
            )
        )

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Outgoing]:
        due = sorted(
            (
                d
                for d in self.items
                if d.status in ("pending", "sending") and d.next_attempt_at <= now
            ),
            key=lambda d: d.next_attempt_at,
        )[:limit]
        claimed = []
        for d in due:
            d.status, d.attempts, d.next_attempt_at = "sending", d.attempts + 1, lease_until
            message = self.messages.get(d.notification_id) if d.notification_id else None
            claimed.append(
                Outgoing(
                    id=d.id,
                    restaurant_id=d.restaurant_id,
                    notification_id=d.notification_id,
                    channel=d.channel,
                    destination=d.destination,
                    attempts=d.attempts,
                    title=message.title if message else "",
                    body=message.body if message else "",
                    payload=d.payload,
                    event_id=d.event_id,
                    secret_sealed=self.secrets.get(d.webhook_id) if d.webhook_id else None,
                )
            )
        return claimed

    async def finish(
        self,
        item: Outgoing,
        status: str,
        reason: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        d = next(d for d in self.items if d.id == item.id)
        if d.status != "sending" or d.attempts != item.attempts:
            return False
        d.status, d.last_error = status, reason
        if status == "delivered":
            d.delivered_at = now
        if next_attempt_at is not None:
            d.next_attempt_at = next_attempt_at
        return True


class FakeNotifications:
    def __init__(self, deliveries: FakeDeliveries) -> None:
        self.items: dict[tuple[str, str, str], Notification] = {}
        self.deliveries = deliveries

    async def add(self, notification: Notification) -> bool:
        key = (notification.event_id, notification.kind, notification.recipient)
        if key in self.items:
            return False
        self.items[key] = notification
        self.deliveries.messages[notification.id] = notification
        await self.deliveries.add(notification.deliveries)
        return True

    async def recent(
        self, restaurant_id: uuid.UUID, limit: int, before: datetime | None
    ) -> list[Notification]:
        found = [
            n
            for n in self.items.values()
            if n.restaurant_id == restaurant_id and (before is None or n.created_at < before)
        ]
        return sorted(found, key=lambda n: n.created_at, reverse=True)[:limit]


class FakeOptOuts:
    def __init__(self) -> None:
        self.items: dict[tuple[uuid.UUID, str], str] = {}

    async def add(self, restaurant_id: uuid.UUID, phone: str, source: str) -> None:
        self.items.setdefault((restaurant_id, phone), source)

    async def withdraw(self, phone: str, source: str) -> None:
        for key, made_by in list(self.items.items()):
            if key[1] == phone and made_by == source:
                del self.items[key]

    async def blocks(self, restaurant_id: uuid.UUID, phone: str) -> bool:
        return (restaurant_id, phone) in self.items

    async def blocked(self, phones: set[str]) -> set[tuple[uuid.UUID, str]]:
        return {key for key in self.items if key[1] in phones}


class FakeWebhooks:
    def __init__(self, deliveries: FakeDeliveries) -> None:
        self.items: dict[uuid.UUID, tuple[uuid.UUID, Webhook]] = {}
        self.deliveries = deliveries

    async def add(
        self, restaurant_id: uuid.UUID, url: str, event_types: list[str], secret_sealed: str
    ) -> Webhook:
        webhook = Webhook(uuid.uuid4(), url, list(event_types), datetime.now().astimezone())
        self.items[webhook.id] = (restaurant_id, webhook)
        self.deliveries.secrets[webhook.id] = secret_sealed
        return webhook

    async def list_for(self, restaurant_id: uuid.UUID) -> list[Webhook]:
        return [w for rid, w in self.items.values() if rid == restaurant_id]

    async def remove(self, restaurant_id: uuid.UUID, webhook_id: uuid.UUID) -> bool:
        found = self.items.get(webhook_id)
        if found is None or found[0] != restaurant_id:
            return False
        del self.items[webhook_id]
        return True

    async def asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> list[WebhookTarget]:
        return [
            WebhookTarget(w.id, w.url)
            for rid, w in self.items.values()
            if rid == restaurant_id and event_type in w.event_types
        ]

    async def any_asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> bool:
        return bool(await self.asking_for(restaurant_id, event_type))


@dataclasses.dataclass
class ScheduledReminder:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    status: str  # pending | sent | cancelled
    due_at: datetime | None = None


class FakeReminders:
    def __init__(self) -> None:
        self.items: dict[uuid.UUID, ScheduledReminder] = {}  # by reservation

    async def schedule(
        self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID, due_at: datetime
    ) -> None:
        self.items.setdefault(
            reservation_id, ScheduledReminder(uuid.uuid4(), restaurant_id, "pending", due_at)
        )

    async def cancel(self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID) -> None:
        found = self.items.setdefault(
            reservation_id, ScheduledReminder(uuid.uuid4(), restaurant_id, "cancelled")
        )
        if found.status == "pending":
            found.status = "cancelled"

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        due = [
            (r.due_at, DueReminder(r.id, reservation_id))
            for reservation_id, r in self.items.items()
            if r.status == "pending" and r.due_at is not None and r.due_at <= now
        ]
        return [d for _, d in sorted(due, key=lambda pair: pair[0])][:limit]

    async def mark_sent(self, reminder_id: uuid.UUID, now: datetime) -> None:
        for r in self.items.values():
            if r.id == reminder_id:
                r.status = "sent"


class FakeNotifierUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(to_contract)
        self.restaurants = FakeRestaurants()
        self.contacts = FakeContacts()
        self.deliveries = FakeDeliveries()
        self.notifications = FakeNotifications(self.deliveries)
        self.opt_outs = FakeOptOuts()
        self.webhooks = FakeWebhooks(self.deliveries)
        self.reminders = FakeReminders()

    def texts_to(self, phone: str) -> list[Delivery]:
        """The SMS queued for `phone` (pending: the worker will send them)."""
        return [
            d
            for d in self.deliveries.items
            if d.channel == "sms" and d.destination == phone and d.status == "pending"
        ]

    def body_of(self, delivery: Delivery) -> str:
        assert delivery.notification_id is not None
        return self.deliveries.messages[delivery.notification_id].body
