"""Use cases driven by the reservations service's events: restaurants, tables and holds.

Each runs in the consumer's unit of work, which already holds the event in its inbox: the
change, its events and that record commit together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from waitlist.domain.floor import TableReport
from waitlist.service.unit_of_work import WaitlistUnitOfWork, waitlist_to_change


@dataclass(frozen=True)
class RestaurantReport:
    """Created or updated: the restaurant as reservations describes it."""

    restaurant_id: uuid.UUID
    name: str
    timezone: str
    min_party_size: int
    max_party_size: int
    sequence: int


async def restaurant_reported(
    uow: WaitlistUnitOfWork, report: RestaurantReport, now: datetime
) -> None:
    """The restaurant exists, with default waitlist settings if new."""
    async with uow:
        await uow.waitlists.ensure_restaurant(report.restaurant_id)
        waitlist = await waitlist_to_change(uow, report.restaurant_id)
        waitlist.restaurant_reported(
            name=report.name,
            timezone=report.timezone,
            min_party_size=report.min_party_size,
            max_party_size=report.max_party_size,
            sequence=report.sequence,
            now=now,
        )
        await uow.save(waitlist, now)
        await uow.commit()


async def table_reported(
    uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, report: TableReport, now: datetime
) -> None:
    async with uow:
        await uow.waitlists.ensure_restaurant(restaurant_id)
        waitlist = await waitlist_to_change(uow, restaurant_id)
        waitlist.table_reported(report, now)
        await uow.save(waitlist, now)
        await uow.commit()


async def table_removed(
    uow: WaitlistUnitOfWork,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    sequence: int,
    now: datetime,
) -> None:
    async with uow:
        await uow.waitlists.ensure_restaurant(restaurant_id)
        waitlist = await waitlist_to_change(uow, restaurant_id)
        waitlist.table_removed(table_id, sequence, now)
        await uow.save(waitlist, now)
        await uow.commit()


async def hold_rejected(
    uow: WaitlistUnitOfWork,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    sequence: int,
    now: datetime,
) -> None:
    async with uow:
        await uow.waitlists.ensure_restaurant(restaurant_id)
        waitlist = await waitlist_to_change(uow, restaurant_id)
        waitlist.hold_rejected(table_id, party_id, sequence, now)
        await uow.save(waitlist, now)
        await uow.commit()
