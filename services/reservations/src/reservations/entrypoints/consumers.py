"""Event handlers of the reservations service: each translates an event into a use case call."""

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
from maitred_messaging.unit_of_work import SqlUnitOfWork
from reservations.service import holds

handlers = EventHandlers()


@handlers.on(PartyCalled)
async def on_party_called(uow: SqlUnitOfWork, event: CloudEvent, data: PartyCalled) -> None:
    session = uow.session
    await holds.hold_for_called_party(
        session, data.restaurant_id, data.table_id, data.party_id, data.called_at
    )


@handlers.on(PartyCheckedIn)
async def on_party_checked_in(uow: SqlUnitOfWork, event: CloudEvent, data: PartyCheckedIn) -> None:
    session = uow.session
    await holds.party_at_table(
        session,
        data.restaurant_id,
        data.table_id,
        data.party_id,
        data.checked_in_at,
        "party_checked_in",
    )


@handlers.on(PartySeated)
async def on_party_seated(uow: SqlUnitOfWork, event: CloudEvent, data: PartySeated) -> None:
    session = uow.session
    await holds.party_at_table(
        session, data.restaurant_id, data.table_id, data.party_id, data.seated_at, "party_seated"
    )


@handlers.on(PartyNoShow)
async def on_party_no_show(uow: SqlUnitOfWork, event: CloudEvent, data: PartyNoShow) -> None:
    session = uow.session
    await holds.party_gone(session, data.restaurant_id, data.party_id, event.time, "party_no_show")


@handlers.on(PartyLeft)
async def on_party_left(uow: SqlUnitOfWork, event: CloudEvent, data: PartyLeft) -> None:
    session = uow.session
    await holds.party_gone(session, data.restaurant_id, data.party_id, event.time, "party_left")


@handlers.on(PartyRequeued)
async def on_party_requeued(uow: SqlUnitOfWork, event: CloudEvent, data: PartyRequeued) -> None:
    session = uow.session
    await holds.party_gone(session, data.restaurant_id, data.party_id, event.time, "party_requeued")


@handlers.on(PartyCompleted)
async def on_party_completed(uow: SqlUnitOfWork, event: CloudEvent, data: PartyCompleted) -> None:
    session = uow.session
    await holds.party_gone(
        session,
        data.restaurant_id,
        data.party_id,
        data.completed_at,
        "party_completed",
        visit_completed=True,
    )
