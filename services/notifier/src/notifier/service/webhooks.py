"""Webhooks: restaurants register URLs for event types; each such event is queued to each URL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_contracts import CloudEvent
from maitred_platform.credentials import seal
from notifier.adapters.orm import deliveries, webhooks
from notifier.domain.webhooks import new_secret


async def register(
    session: AsyncSession,
    *,
    restaurant_id: uuid.UUID,
    url: str,
    event_types: list[str],
    internal_key: str,
) -> tuple[dict[str, Any], str]:
    """Stores the webhook with a new secret (sealed at rest); returns it and the secret, once."""
    secret = new_secret()
    row = (
        await session.execute(
            insert(webhooks)
            .values(
                id=uuid.uuid4(),
                restaurant_id=restaurant_id,
                url=url,
                event_types=sorted(set(event_types)),
                secret_sealed=seal(secret, internal_key),
            )
            .returning(webhooks.c.id, webhooks.c.url, webhooks.c.event_types, webhooks.c.created_at)
        )
    ).one()
    return dict(row._mapping), secret


async def list_for(session: AsyncSession, restaurant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(webhooks.c.id, webhooks.c.url, webhooks.c.event_types, webhooks.c.created_at)
        .where(webhooks.c.restaurant_id == restaurant_id)
        .order_by(webhooks.c.created_at)
    )
    return [dict(r._mapping) for r in rows]


async def remove(session: AsyncSession, restaurant_id: uuid.UUID, webhook_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(webhooks)
        .where(webhooks.c.id == webhook_id, webhooks.c.restaurant_id == restaurant_id)
        .returning(webhooks.c.id)
    )
    return result.first() is not None


def _asking_for(event: CloudEvent, restaurant_id: str) -> Any:
    """The webhooks of the event's restaurant that asked for its type."""
    return select(webhooks.c.id, webhooks.c.url).where(
        webhooks.c.restaurant_id == uuid.UUID(restaurant_id),
        webhooks.c.event_types.any_() == event.type,
    )


async def wanted(sessions: async_sessionmaker[AsyncSession], event: CloudEvent) -> bool:
    """Whether any webhook of the event's restaurant asked for its type: one read and no
    inbox row or write, for the many events that make no message (queue snapshots, tables)."""
    if not event.restaurantid:
        return False
    async with sessions() as session:
        found = await session.scalar(_asking_for(event, event.restaurantid).limit(1))
    return found is not None


async def fan_out(session: AsyncSession, event: CloudEvent, now: datetime) -> None:
    """Queues the event for every webhook of its restaurant that asked for its type."""
    if not event.restaurantid:
        return
    targets = (await session.execute(_asking_for(event, event.restaurantid))).all()
    if not targets:
        return
    body = event.to_json().decode()
    await session.execute(
        insert(deliveries)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "restaurant_id": uuid.UUID(event.restaurantid),
                    "webhook_id": target.id,
                    "event_id": event.id,
                    "channel": "webhook",
                    "destination": target.url,
                    "payload": body,
                    "status": "pending",
                    "next_attempt_at": now,
                }
                for target in targets
            ]
        )
        .on_conflict_do_nothing(constraint="uq_deliveries_webhook_event")
    )
