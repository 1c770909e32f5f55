"""Event handlers of the notifier: every event may feed webhooks; some also make messages.

The consumer binds every known event type, because a restaurant's webhook may ask for any
of them. A type the notifier does not know (a newer producer) is acknowledged and ignored
by the runtime. Each handler hands its event to one use case, in the unit of work the
consumer opened (which already holds the inbox record).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_contracts import EVENT_TYPES, CloudEvent
from maitred_messaging.consumer import EventHandlers
from notifier.service import incoming, webhooks
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork


async def _wanted_by_a_webhook(
    sessions: async_sessionmaker[AsyncSession], event: CloudEvent
) -> bool:
    # An event that makes no message costs one read, before any transaction or inbox row.
    return await webhooks.wanted(NotifierUnitOfWork(sessions), event)


def build_handlers(ctx: Context) -> EventHandlers:
    handlers = EventHandlers()
    for model in EVENT_TYPES.values():
        needed = None if incoming.has_use_case(model) else _wanted_by_a_webhook
        handlers.on(model, needed)(_handler(ctx))
    return handlers


def _handler(ctx: Context) -> Callable[[NotifierUnitOfWork, CloudEvent, Any], Awaitable[None]]:
    async def handle(uow: NotifierUnitOfWork, event: CloudEvent, data: Any) -> None:
        await incoming.apply_event(uow, ctx, event, data)

    return handle
