"""Use cases driven by the reservations service's events: restaurants, tables and holds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from waitlist.adapters.repository import WaitlistRepository
from waitlist.domain.floor import TableReport
from waitlist.service.unit import changing_waitlist


async def restaurant_reported(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    *,
    name: str,
    timezone: str,
    min_party_size: int,
    max_party_size: int,
    sequence: int,
    now: datetime,
) -> None:
    """Created or updated: the restaurant exists, with default waitlist settings if new."""
    await WaitlistRepository(session).ensure_restaurant(restaurant_id)
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        waitlist.restaurant_reported(
            name=name,
            timezone=timezone,
            min_party_size=min_party_size,
            max_party_size=max_party_size,
            sequence=sequence,
        )
        waitlist.offer_free_tables(now)


async def table_reported(
    session: AsyncSession, restaurant_id: uuid.UUID, report: TableReport, now: datetime
) -> None:
    await WaitlistRepository(session).ensure_restaurant(restaurant_id)
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        waitlist.table_reported(report, now)


async def table_removed(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    sequence: int,
    now: datetime,
) -> None:
    await WaitlistRepository(session).ensure_restaurant(restaurant_id)
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        waitlist.table_removed(table_id, sequence, now)
        waitlist.offer_free_tables(now)


async def hold_rejected(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    sequence: int,
    now: datetime,
) -> None:
    await WaitlistRepository(session).ensure_restaurant(restaurant_id)
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        waitlist.hold_rejected(table_id, party_id, sequence, now)
