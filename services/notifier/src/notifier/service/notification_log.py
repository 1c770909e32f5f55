"""The staff view of a restaurant's notifications, with each delivery's status."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.phones import mask_phone
from notifier.adapters.orm import deliveries, notifications

_TOKEN_IN_LINK = re.compile(r"(token=)[^\s&]+")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def for_staff(text: str) -> str:
    """Staff see the message without the diner's manage token or phone number."""
    text = _TOKEN_IN_LINK.sub(r"\1…", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)) or "", text)


async def recent(
    session: AsyncSession, restaurant_id: uuid.UUID, limit: int, before: datetime | None
) -> list[dict[str, Any]]:
    query = select(notifications).where(notifications.c.restaurant_id == restaurant_id)
    if before is not None:
        query = query.where(notifications.c.created_at < before)
    rows = (
        await session.execute(
            query.order_by(notifications.c.created_at.desc(), notifications.c.id).limit(limit)
        )
    ).all()
    by_notification: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        found = await session.execute(
            select(deliveries)
            .where(deliveries.c.notification_id.in_([r.id for r in rows]))
            .order_by(deliveries.c.created_at, deliveries.c.channel)
        )
        for d in found:
            by_notification[d.notification_id].append(
                {
                    "channel": d.channel,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "to": mask_phone(d.destination) if d.channel == "sms" else d.destination,
                    "delivered_at": d.delivered_at,
                }
            )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "audience": r.audience,
            "party_id": r.party_id,
            "reservation_id": r.reservation_id,
            "title": for_staff(r.title),
            "body": for_staff(r.body),
            "template_error": r.template_error,
            "created_at": r.created_at,
            "deliveries": by_notification.get(r.id, []),
        }
        for r in rows
    ]
