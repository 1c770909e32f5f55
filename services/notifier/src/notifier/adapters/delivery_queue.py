"""The delivery queue in the database: claiming due deliveries with a lease, recording results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.channels import Outgoing
from notifier.adapters.orm import deliveries, delivery_attempts, notifications, opt_outs, webhooks

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


async def claim(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[Outgoing]:
    """Takes up to `limit` due deliveries (not those another worker holds) until `lease_until`."""
    claimed = (
        await session.execute(_CLAIM, {"now": now, "limit": limit, "lease_until": lease_until})
    ).all()
    if not claimed:
        return []
    messages = await _messages(session, [r.notification_id for r in claimed])
    secrets = await _secrets(session, [r.webhook_id for r in claimed])
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


async def _messages(session: AsyncSession, ids: list[Any]) -> dict[Any, tuple[str, str]]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(notifications.c.id, notifications.c.title, notifications.c.body).where(
            notifications.c.id.in_(wanted)
        )
    )
    return {r.id: (r.title, r.body) for r in rows}


async def _secrets(session: AsyncSession, ids: list[Any]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(webhooks.c.id, webhooks.c.secret_sealed).where(webhooks.c.id.in_(wanted))
    )
    return {r.id: r.secret_sealed for r in rows}


async def opted_out(session: AsyncSession, items: list[Outgoing]) -> set[uuid.UUID]:
    """The SMS deliveries among `items` whose phone has opted out of their restaurant."""
    phones = {i.destination for i in items if i.channel == "sms" and i.destination}
    if not phones:
        return set()
    rows: list[Row[Any]] = list(
        await session.execute(
            select(opt_outs.c.restaurant_id, opt_outs.c.phone).where(opt_outs.c.phone.in_(phones))
        )
    )
    blocked = {(r.restaurant_id, r.phone) for r in rows}
    return {
        i.id for i in items if i.channel == "sms" and (i.restaurant_id, i.destination) in blocked
    }


async def finish(
    session: AsyncSession,
    item: Outgoing,
    status: str,
    reason: str | None,
    now: datetime,
    **values: Any,
) -> bool:
    """Records the outcome and the attempt if our lease still holds (no other worker took it)."""
    if status == "delivered":
        values["delivered_at"] = now
    result = await session.execute(
        update(deliveries)
        .where(
            deliveries.c.id == item.id,
            deliveries.c.status == "sending",
            deliveries.c.attempts == item.attempts,
        )
        .values(status=status, last_error=reason, **values)
        .returning(deliveries.c.id)
    )
    if result.first() is None:
        return False
    outcome = "retrying" if status == "pending" else status
    await session.execute(
        delivery_attempts.insert().values(
            delivery_id=item.id, attempt=item.attempts, outcome=outcome, error=reason, at=now
        )
    )
    return True
