"""The staff view of a restaurant's notifications, with each delivery's status."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from maitred_platform.phones import mask_phone
from notifier.domain.notifications import Delivery, Notification
from notifier.service.unit_of_work import NotifierUnitOfWork

_TOKEN_IN_LINK = re.compile(r"(token=)[^\s&]+")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def for_staff(text: str) -> str:
    """Staff see the message without the diner's manage token or phone number."""
    text = _TOKEN_IN_LINK.sub(r"\1…", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)) or "", text)


@dataclass(frozen=True)
class DeliveryEntry:
    channel: str
    status: str
    attempts: int
    last_error: str | None
    to: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class NotificationEntry:
    id: uuid.UUID
    kind: str
    audience: str
    party_id: uuid.UUID | None
    reservation_id: uuid.UUID | None
    title: str
    body: str
    template_error: str | None
    created_at: datetime
    deliveries: list[DeliveryEntry]


def _delivery_entry(d: Delivery) -> DeliveryEntry:
    return DeliveryEntry(
        channel=d.channel,
        status=d.status,
        attempts=d.attempts,
        last_error=d.last_error,
        to=mask_phone(d.destination) if d.channel == "sms" else d.destination,
        delivered_at=d.delivered_at,
    )


def _entry(n: Notification) -> NotificationEntry:
    return NotificationEntry(
        id=n.id,
        kind=n.kind,
        audience=n.audience,
        party_id=n.party_id,
        reservation_id=n.reservation_id,
        title=for_staff(n.title),
        body=for_staff(n.body),
        template_error=n.template_error,
        created_at=n.created_at,
        deliveries=[_delivery_entry(d) for d in n.deliveries],
    )


async def recent(
    uow: NotifierUnitOfWork, restaurant_id: uuid.UUID, limit: int, before: datetime | None
) -> list[NotificationEntry]:
    """Newest first; phones masked, manage tokens cut."""
    async with uow:
        found = await uow.notifications.recent(restaurant_id, limit, before)
    return [_entry(n) for n in found]
