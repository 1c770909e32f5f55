"""Making one message: render the rule, store it once, and queue a delivery per channel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import NotificationCreated
from maitred_messaging import add_event
from maitred_platform.logs import get_logger
from notifier import metrics
from notifier.adapters.orm import deliveries, notifications, opt_outs
from notifier.domain.rules import RULES, channels_for
from notifier.domain.templates import render
from notifier.service.restaurants import RestaurantProfile

log = get_logger(__name__)


@dataclass(frozen=True)
class Recipient:
    """Who a message is for; `key` makes (event, rule, recipient) unique."""

    key: str
    party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None
    phone: str | None = None


async def is_opted_out(session: AsyncSession, restaurant_id: uuid.UUID, phone: str) -> bool:
    found = await session.scalar(
        select(opt_outs.c.phone).where(
            opt_outs.c.restaurant_id == restaurant_id, opt_outs.c.phone == phone
        )
    )
    return found is not None


async def notify(
    session: AsyncSession,
    *,
    kind: str,
    event_id: str,
    restaurant: RestaurantProfile,
    recipient: Recipient,
    context: dict[str, Any],
    now: datetime,
) -> uuid.UUID | None:
    """Creates the notification and its deliveries; None when it already exists (redelivery)."""
    rule = RULES[kind]
    rendered = render(
        rule, restaurant.templates.get(kind), {"restaurant": restaurant.name, **context}
    )
    if rendered.error:
        metrics.TEMPLATE_FAILURES.labels(kind).inc()
        log.warning(
            "template_failed_default_used",
            kind=kind,
            restaurant_id=str(restaurant.id),
            error=rendered.error,
        )
    notification_id = uuid.uuid4()
    created = await session.execute(
        pg_insert(notifications)
        .values(
            id=notification_id,
            restaurant_id=restaurant.id,
            event_id=event_id,
            kind=kind,
            recipient=recipient.key,
            audience=rule.audience,
            party_id=recipient.party_id,
            reservation_id=recipient.reservation_id,
            title=rendered.title,
            body=rendered.body,
            template_error=rendered.error,
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_notifications_event_rule_recipient")
        .returning(notifications.c.id)
    )
    if created.first() is None:
        return None

    rows: list[dict[str, Any]] = []
    used: list[str] = []
    for channel in channels_for(rule, restaurant.channels):
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "restaurant_id": restaurant.id,
            "notification_id": notification_id,
            "channel": channel,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "destination": None,
            "last_error": None,
            "delivered_at": None,
        }
        if channel == "realtime":
            if rule.audience == "party" and recipient.party_id is None:
                continue  # a booking has no realtime channel of its own
            # The outbox is the delivery: the event leaves when this transaction commits.
            row.update(status="delivered", attempts=1, delivered_at=now)
        elif channel == "sms":
            if not recipient.phone:
                continue
            row["destination"] = recipient.phone
            if await is_opted_out(session, restaurant.id, recipient.phone):
                row.update(status="skipped", last_error="opted_out")
                metrics.SKIPPED.labels("sms").inc()
        elif channel == "email":
            if not restaurant.email:
                continue
            row["destination"] = restaurant.email
        rows.append(row)
        used.append(channel)
    if rows:
        await session.execute(insert(deliveries), rows)
    if "realtime" in used:
        await add_event(
            session,
            NotificationCreated(
                notification_id=notification_id,
                restaurant_id=restaurant.id,
                audience=rule.audience,
                party_id=recipient.party_id,
                reservation_id=recipient.reservation_id,
                kind=kind,
                title=rendered.title,
                body=rendered.body,
                channels=used,
            ),
        )
        metrics.SENT.labels("realtime").inc()
    return notification_id
