"""Event handlers of the notifier: every event may feed webhooks; some also make messages.

The consumer binds every known event type, because a restaurant's webhook may ask for any
of them. A type the notifier does not know (a newer producer) is acknowledged and ignored
by the runtime.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import (
    EVENT_TYPES,
    CloudEvent,
    EventData,
    PartyCalled,
    PartyCheckedIn,
    PartyHeadsUp,
    PartyJoined,
    PartyLeft,
    PartyNoShow,
    PartyRequeued,
    ReservationCancelled,
    ReservationCreated,
    ReservationLookupRequested,
    RestaurantCreated,
    RestaurantUpdated,
    TableCreated,
    TableUpdated,
)
from maitred_messaging.consumer import EventHandlers
from maitred_messaging.unit_of_work import SqlUnitOfWork
from notifier.service import booking_messages, waitlist_messages, webhooks
from notifier.service.context import Context
from notifier.service.restaurants import record_restaurant, record_table

UseCase = Callable[[AsyncSession, Context, CloudEvent, Any], Awaitable[None]]


async def _restaurant(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: RestaurantCreated
) -> None:
    await record_restaurant(session, data.restaurant_id, data.name, data.timezone, event.sequence)


async def _table(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: TableCreated
) -> None:
    await record_table(session, data.table_id, data.restaurant_id, data.label)


MESSAGES: dict[type[EventData], UseCase] = {
    PartyJoined: waitlist_messages.party_joined,
    PartyCalled: waitlist_messages.party_called,
    PartyHeadsUp: waitlist_messages.party_heads_up,
    PartyRequeued: waitlist_messages.party_requeued,
    PartyCheckedIn: waitlist_messages.party_checked_in,
    PartyNoShow: waitlist_messages.party_no_show,
    PartyLeft: waitlist_messages.party_left,
    ReservationCreated: booking_messages.reservation_created,
    ReservationCancelled: booking_messages.reservation_cancelled,
    ReservationLookupRequested: booking_messages.lookup_requested,
    RestaurantCreated: _restaurant,
    RestaurantUpdated: _restaurant,
    TableCreated: _table,
    TableUpdated: _table,
}


def build_handlers(ctx: Context) -> EventHandlers:
    handlers = EventHandlers()
    for model in EVENT_TYPES.values():
        use_case = MESSAGES.get(model)
        # An event that makes no message is only for webhooks: skipped unless one wants it.
        needed = None if use_case is not None else webhooks.wanted
        handlers.on(model, needed)(_handler(ctx, use_case))
    return handlers


def _handler(
    ctx: Context, use_case: UseCase | None
) -> Callable[[SqlUnitOfWork, CloudEvent, Any], Awaitable[None]]:
    async def handle(uow: SqlUnitOfWork, event: CloudEvent, data: Any) -> None:
        session = uow.session
        if use_case is not None:
            await use_case(session, ctx, event, data)
        await webhooks.fan_out(session, event, ctx.clock())

    return handle
