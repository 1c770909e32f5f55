"""Event handlers of the waitlist service: each translates an event into a use case call.

The consumer hands each handler its unit of work with the event already recorded in the
inbox; the use case changes the waitlist in that same unit, so the effect and the record
commit together. The reservations service's `sequence` lets a late or retried event change
nothing newer.
"""

from __future__ import annotations

from maitred_contracts import (
    CloudEvent,
    RestaurantCreated,
    RestaurantUpdated,
    TableCreated,
    TableHeld,
    TableHoldRejected,
    TableRemoved,
    TableStatusChanged,
    TableUpdated,
)
from maitred_messaging.consumer import EventHandlers
from maitred_platform.clock import Clock, system_clock
from maitred_platform.logs import get_logger
from waitlist.domain.floor import TableReport
from waitlist.service import floor
from waitlist.service.floor import RestaurantReport
from waitlist.service.unit_of_work import WaitlistUnitOfWork

log = get_logger(__name__)


def build_handlers(clock: Clock = system_clock) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on(RestaurantCreated)
    @handlers.on(RestaurantUpdated)
    async def restaurant(
        uow: WaitlistUnitOfWork, event: CloudEvent, data: RestaurantCreated | RestaurantUpdated
    ) -> None:
        report = RestaurantReport(
            restaurant_id=data.restaurant_id,
            name=data.name,
            timezone=data.timezone,
            min_party_size=data.min_party_size,
            max_party_size=data.max_party_size,
            sequence=event.sequence,
        )
        await floor.restaurant_reported(uow, report, clock())

    @handlers.on(TableCreated)
    @handlers.on(TableUpdated)
    async def table(
        uow: WaitlistUnitOfWork, event: CloudEvent, data: TableCreated | TableUpdated
    ) -> None:
        report = TableReport(
            table_id=data.table_id,
            sequence=event.sequence,
            at=event.time,
            capacity=data.capacity,
            kind=data.kind,
            status=data.status,
            label=data.label,
            section=data.section,
            whole_table=True,
        )
        await floor.table_reported(uow, data.restaurant_id, report, clock())

    @handlers.on(TableStatusChanged)
    async def table_status(
        uow: WaitlistUnitOfWork, event: CloudEvent, data: TableStatusChanged
    ) -> None:
        report = TableReport(
            table_id=data.table_id,
            sequence=event.sequence,
            at=event.time,
            capacity=data.capacity,
            kind=data.kind,
            status=data.status,
            party_id=data.party_id,
            reservation_id=data.reservation_id,
        )
        await floor.table_reported(uow, data.restaurant_id, report, clock())

    @handlers.on(TableRemoved)
    async def table_removed(uow: WaitlistUnitOfWork, event: CloudEvent, data: TableRemoved) -> None:
        await floor.table_removed(uow, data.restaurant_id, data.table_id, event.sequence, clock())

    @handlers.on(TableHeld)
    async def table_held(uow: WaitlistUnitOfWork, event: CloudEvent, data: TableHeld) -> None:
        # The hold confirms the call already made; the party keeps its deadline.
        log.info("table_hold_confirmed", table_id=str(data.table_id), party_id=str(data.party_id))

    @handlers.on(TableHoldRejected)
    async def hold_rejected(
        uow: WaitlistUnitOfWork, event: CloudEvent, data: TableHoldRejected
    ) -> None:
        await floor.hold_rejected(
            uow, data.restaurant_id, data.table_id, data.party_id, event.sequence, clock()
        )

    return handlers
