"""Webhooks: restaurants register URLs for event types; each such event is queued to each URL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from maitred_contracts import EVENT_TYPES, CloudEvent
from maitred_platform.credentials import seal
from maitred_platform.problems import Problem
from notifier.adapters.webhook_client import AddressRefused, check_public_host
from notifier.domain.notifications import Delivery
from notifier.domain.webhooks import Webhook, new_secret, url_problem
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork


@dataclass(frozen=True)
class RegisteredWebhook:
    webhook: Webhook
    secret: str  # shown this once; kept sealed and never listed again


async def _refusal(url: str, allow_private: bool) -> str | None:
    problem = url_problem(url)
    if problem or allow_private:
        return problem
    try:
        await check_public_host(url)
    except AddressRefused as exc:
        return f"refused: {exc}"
    return None


async def register(
    uow: NotifierUnitOfWork,
    ctx: Context,
    *,
    restaurant_id: uuid.UUID,
    url: str,
    event_types: list[str],
) -> RegisteredWebhook:
    """Stores the webhook with a new secret (sealed at rest); 422 for a refused URL (SSRF:
    private, loopback, metadata addresses) or an unknown event type."""
    errors = []
    problem = await _refusal(url, ctx.settings.webhook_allow_private)
    if problem:
        errors.append({"field": "url", "message": problem})
    for i, event_type in enumerate(event_types):
        if event_type not in EVENT_TYPES:
            errors.append({"field": f"event_types.{i}", "message": "unknown event type"})
    if errors:
        raise Problem(422, "The webhook cannot be registered.", errors=errors)
    secret = new_secret()
    async with uow:
        webhook = await uow.webhooks.add(
            restaurant_id, url, sorted(set(event_types)), seal(secret, ctx.settings.internal_key)
        )
        await uow.commit()
    return RegisteredWebhook(webhook, secret)


async def list_for(uow: NotifierUnitOfWork, restaurant_id: uuid.UUID) -> list[Webhook]:
    async with uow:
        return await uow.webhooks.list_for(restaurant_id)


async def remove(uow: NotifierUnitOfWork, restaurant_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    async with uow:
        if not await uow.webhooks.remove(restaurant_id, webhook_id):
            raise Problem(404, "No such webhook.")
        await uow.commit()


async def wanted(uow: NotifierUnitOfWork, event: CloudEvent) -> bool:
    """Whether any webhook of the event's restaurant asked for its type: one read and no
    inbox row or write, for the many events that make no message (queue snapshots, tables)."""
    if not event.restaurantid:
        return False
    async with uow:
        return await uow.webhooks.any_asking_for(uuid.UUID(event.restaurantid), event.type)


async def queue_event(uow: NotifierUnitOfWork, event: CloudEvent, now: datetime) -> int:
    """Queues the event for every webhook of its restaurant that asked for its type, in the
    caller's unit of work; how many."""
    if not event.restaurantid:
        return 0
    restaurant_id = uuid.UUID(event.restaurantid)
    targets = await uow.webhooks.asking_for(restaurant_id, event.type)
    if not targets:
        return 0
    body = event.to_json().decode()
    await uow.deliveries.add(
        [
            Delivery(
                id=uuid.uuid4(),
                restaurant_id=restaurant_id,
                webhook_id=target.id,
                event_id=event.id,
                channel="webhook",
                destination=target.url,
                payload=body,
                status="pending",
                next_attempt_at=now,
            )
            for target in targets
        ]
    )
    return len(targets)
