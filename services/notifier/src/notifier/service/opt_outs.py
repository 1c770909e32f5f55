"""Opting a phone out of a restaurant's SMS (staff, or the diner replying STOP) and back in."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import deliveries, opt_outs


async def opt_out(session: AsyncSession, restaurant_id: uuid.UUID, phone: str, source: str) -> None:
    await session.execute(
        insert(opt_outs)
        .values(restaurant_id=restaurant_id, phone=phone, source=source)
        .on_conflict_do_nothing()
    )


async def restaurants_that_texted(session: AsyncSession, phone: str) -> list[uuid.UUID]:
    """A STOP reply answers the messages received: it covers every restaurant that texted it."""
    rows = await session.execute(
        select(deliveries.c.restaurant_id)
        .where(deliveries.c.channel == "sms", deliveries.c.destination == phone)
        .distinct()
    )
    return [r.restaurant_id for r in rows]


async def reply_stop(session: AsyncSession, phone: str) -> int:
    restaurants = await restaurants_that_texted(session, phone)
    for restaurant_id in restaurants:
        await opt_out(session, restaurant_id, phone, "sms_stop")
    return len(restaurants)


async def reply_start(session: AsyncSession, phone: str) -> None:
    """START undoes the diner's own STOP; an opt-out made by staff stays."""
    await session.execute(
        delete(opt_outs).where(opt_outs.c.phone == phone, opt_outs.c.source == "sms_stop")
    )
