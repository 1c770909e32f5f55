"""An event from the bus: the messages it makes, if any, and the webhooks that asked for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from maitred_contracts import (
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
from notifier.service import booking_messages, restaurants, waitlist_messages, webhooks
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork

UseCase = Callable[[NotifierUnitOfWork, Context, CloudEvent, Any], Awaitable[object]]

USE_CASES: dict[type[EventData], UseCase] = {
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
    RestaurantCreated: restaurants.restaurant_heard,
    RestaurantUpdated: restaurants.restaurant_heard,
    TableCreated: restaurants.table_heard,
    TableUpdated: restaurants.table_heard,
}


def has_use_case(model: type[EventData]) -> bool:
    """False for an event that is only for webhooks."""
    return model in USE_CASES


async def apply_event(uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: Any) -> None:
    """The event's use case and its webhook deliveries, in one unit of work."""
    async with uow:
        # Webhooks first: the use case commits the unit, these deliveries with it.
        await webhooks.queue_event(uow, event, ctx.clock())
        use_case = USE_CASES.get(type(data))
        if use_case is not None:
            await use_case(uow, ctx, event, data)
        if not uow.finished:
            await uow.commit()
