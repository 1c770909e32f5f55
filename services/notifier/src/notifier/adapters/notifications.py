"""Notifications and deliveries in Postgres, and the delivery queue the worker claims from."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import deliveries, delivery_attempts, notifications, webhooks
from notifier.domain.delivery import Outgoing
from notifier.domain.notifications import Delivery, Notification

_DELIVERY_COLUMNS = tuple(f.name for f in fields(Delivery))
_NOTIFICATION_COLUMNS = tuple(
    f.name for f in fields(Notification) if f.name not in ("deliveries", "events")
)
# A webhook queued twice for one event (a redelivery) is queued once.
_ADD_DELIVERIES = pg_insert(deliveries).on_conflict_do_nothing(
    constraint="uq_deliveries_webhook_event"
)


async def _add_deliveries(session: AsyncSession, items: list[Delivery]) -> None:
    if items:
        rows = [{name: getattr(d, name) for name in _DELIVERY_COLUMNS} for d in items]
        await session.execute(_ADD_DELIVERIES, rows)


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(**{name: getattr(row, name) for name in _DELIVERY_COLUMNS})


class SqlNotifications:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notification: Notification) -> bool:
        created = await self.session.execute(
            pg_insert(notifications)
            .values({name: getattr(notification, name) for name in _NOTIFICATION_COLUMNS})
            .on_conflict_do_nothing(constraint="uq_notifications_event_rule_recipient")
            .returning(notifications.c.id)
        )
        if created.first() is None:
            return False
        await _add_deliveries(self.session, notification.deliveries)
        return True

    async def recent(
        self, restaurant_id: uuid.UUID, limit: int, before: datetime | None
    ) -> list[Notification]:
        query = select(notifications).where(notifications.c.restaurant_id == restaurant_id)
        if before is not None:
            query = query.where(notifications.c.created_at < before)
        rows = (
            await self.session.execute(
                query.order_by(notifications.c.created_at.desc(), notifications.c.id).limit(limit)
            )
        ).all()
        by_notification: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
        if rows:
            found = await self.session.execute(
                select(deliveries)
                .where(deliveries.c.notification_id.in_([r.id for r in rows]))
                .order_by(deliveries.c.created_at, deliveries.c.channel)
            )
            for d in found:
                by_notification[d.notification_id].append(_delivery(d))
        return [
            Notification(
                **{name: getattr(r, name) for name in _NOTIFICATION_COLUMNS},
                deliveries=by_notification.get(r.id, []),
            )
            for r in rows
        ]


_CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM notifier.deliveries
        WHERE status IN ('pending', 'sending') AND next_attempt_at <= :now
        ORDER BY next_attempt_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE notifier.deliveries AS d
    SET status = 'sending', attempts = d.attempts + 1, next_attempt_at = :lease_until
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.restaurant_id, d.notification_id, d.webhook_id, d.event_id, d.channel,
              d.destination, d.payload, d.attempts
    """
)


class SqlDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, items: list[Delivery]) -> None:
        await _add_deliveries(self.session, items)

    async def restaurants_that_texted(self, phone: str) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(deliveries.c.restaurant_id)
            .where(deliveries.c.channel == "sms", deliveries.c.destination == phone)
            .distinct()
        )
        return [r.restaurant_id for r in rows]

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Outgoing]:
        claimed = (
            await self.session.execute(
                _CLAIM, {"now": now, "limit": limit, "lease_until": lease_until}
            )
        ).all()
        if not claimed:
            return []
        messages = await self._messages([r.notification_id for r in claimed])
        secrets = await self._secrets([r.webhook_id for r in claimed])
        return [
            Outgoing(
                id=row.id,
                restaurant_id=row.restaurant_id,
                notification_id=row.notification_id,
                channel=row.channel,
                destination=row.destination,
                attempts=row.attempts,
                title=messages.get(row.notification_id, ("", ""))[0],
                body=messages.get(row.notification_id, ("", ""))[1],
                payload=row.payload,
                event_id=row.event_id,
                secret_sealed=secrets.get(row.webhook_id),
            )
            for row in claimed
        ]

    async def _messages(self, ids: list[Any]) -> dict[Any, tuple[str, str]]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(notifications.c.id, notifications.c.title, notifications.c.body).where(
                notifications.c.id.in_(wanted)
            )
        )
        return {r.id: (r.title, r.body) for r in rows}

    async def _secrets(self, ids: list[Any]) -> dict[Any, str]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(webhooks.c.id, webhooks.c.secret_sealed).where(webhooks.c.id.in_(wanted))
        )
        return {r.id: r.secret_sealed for r in rows}

    async def finish(
        self,
        item: Outgoing,
        status: str,
        reason: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": status, "last_error": reason}
        if status == "delivered":
            values["delivered_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        result = await self.session.execute(
            update(deliveries)
            .where(
                deliveries.c.id == item.id,
                deliveries.c.status == "sending",
                deliveries.c.attempts == item.attempts,
            )
            .values(**values)
            .returning(deliveries.c.id)
        )
        if result.first() is None:
            return False
        outcome = "retrying" if status == "pending" else status
        await self.session.execute(
            insert(delivery_attempts).values(
                delivery_id=item.id, attempt=item.attempts, outcome=outcome, error=reason, at=now
            )
        )
        return True
