"""Making one message: render the rule, store it once, and queue a delivery per channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maitred_platform.logs import get_logger
from notifier import metrics
from notifier.domain.notifications import Notification, Recipient
from notifier.domain.restaurants import RestaurantProfile
from notifier.domain.rules import RULES, channels_for
from notifier.domain.templates import render
from notifier.service.unit_of_work import NotifierUnitOfWork

log = get_logger(__name__)

__all__ = ["Recipient", "notify"]


async def notify(
    uow: NotifierUnitOfWork,
    *,
    kind: str,
    event_id: str,
    restaurant: RestaurantProfile,
    recipient: Recipient,
    context: dict[str, Any],
    now: datetime,
) -> Notification | None:
    """Adds the message and its deliveries to the caller's unit of work (which commits them);
    None when it already exists (a redelivered event)."""
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
    notification = Notification.make(
        rule,
        rendered,
        event_id=event_id,
        restaurant_id=restaurant.id,
        restaurant_email=restaurant.email,
        channels=channels_for(rule, restaurant.channels),
        recipient=recipient,
        now=now,
    )
    sms = notification.on("sms")
    opted_out = sms is not None and await uow.opt_outs.blocks(restaurant.id, recipient.phone or "")
    if sms is not None and opted_out:
        sms.skip("opted_out")
    if not await uow.notifications.add(notification):
        return None
    if opted_out:
        metrics.SKIPPED.labels("sms").inc()
    if notification.on("realtime") is not None:
        metrics.SENT.labels("realtime").inc()
    uow.collect(notification)
    return notification
