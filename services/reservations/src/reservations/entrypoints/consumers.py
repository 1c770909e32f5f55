"""Event handlers of the reservations service: each translates an event into a use case call.

The consumer hands each handler its unit of work, entered, with the event already recorded in
the inbox; the use case's own `async with uow:` shares that transaction and commits both.
"""

from __future__ import annotations

from maitred_contracts import (
    CloudEvent,
    PartyCalled,
    PartyCheckedIn,
    PartyCompleted,
    PartyLeft,
    PartyNoShow,
    PartyRequeued,
    PartySeated,
)
from maitred_messaging.consumer import EventHandlers
from reservations.service import holds
from reservations.service.unit_of_work import ReservationsUnitOfWork

handlers = EventHandlers()


@handlers.on(PartyCalled)
async def on_party_called(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyCalled
) -> None:
    await holds.hold_for_called_party(
        uow, data.restaurant_id, data.table_id, data.party_id, data.called_at
    )


@handlers.on(PartyCheckedIn)
async def on_party_checked_in(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyCheckedIn
) -> None:
    await holds.party_at_table(
        uow,
        data.restaurant_id,
        data.table_id,
        data.party_id,
        data.checked_in_at,
        "party_checked_in",
    )


@handlers.on(PartySeated)
async def on_party_seated(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartySeated
) -> None:
    await holds.party_at_table(
        uow, data.restaurant_id, data.table_id, data.party_id, data.seated_at, "party_seated"
    )


@handlers.on(PartyNoShow)
async def on_party_no_show(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyNoShow
) -> None:
    await holds.party_gone(uow, data.restaurant_id, data.party_id, event.time, "party_no_show")


@handlers.on(PartyLeft)
async def on_party_left(uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyLeft) -> None:
    await holds.party_gone(uow, data.restaurant_id, data.party_id, event.time, "party_left")


@handlers.on(PartyRequeued)
async def on_party_requeued(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyRequeued
) -> None:
    await holds.party_gone(uow, data.restaurant_id, data.party_id, event.time, "party_requeued")


@handlers.on(PartyCompleted)
async def on_party_completed(
    uow: ReservationsUnitOfWork, event: CloudEvent, data: PartyCompleted
) -> None:
    await holds.party_gone(
        uow,
        data.restaurant_id,
        data.party_id,
        data.completed_at,
        "party_completed",
        visit_completed=True,
    )
