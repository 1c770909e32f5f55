"""How far quotes were from reality: every seated party's quoted vs actual wait."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from waitlist import metrics
from waitlist.adapters import orm
from waitlist.domain.party import Party

METRIC_WINDOW = timedelta(days=7)


async def mean_absolute_error(
    session: AsyncSession, restaurant_id: uuid.UUID, since: datetime
) -> tuple[float | None, int]:
    """MAE in minutes of quotes for parties seated since `since`, and how many were measured."""
    p = orm.parties
    error = func.abs(p.c.actual_wait_minutes - p.c.quoted_wait_minutes)
    row = (
        await session.execute(
            select(func.avg(error), func.count()).where(
                p.c.restaurant_id == restaurant_id,
                p.c.checked_in_at >= since,
                p.c.actual_wait_minutes.is_not(None),
                p.c.quoted_wait_minutes.is_not(None),
            )
        )
    ).one()
    return (None if row[0] is None else round(float(row[0]), 2)), int(row[1])


async def record(session: AsyncSession, party: Party, now: datetime) -> None:
    """Called when a party was just seated: its quote error joins the metrics."""
    if party.checked_in_at != now or party.actual_wait_minutes is None:
        return
    if party.quoted_wait_minutes is None:
        return
    label = str(party.restaurant_id)
    metrics.QUOTE_ERROR.labels(label).observe(
        abs(party.actual_wait_minutes - party.quoted_wait_minutes)
    )
    mae, _ = await mean_absolute_error(session, party.restaurant_id, now - METRIC_WINDOW)
    if mae is not None:
        metrics.QUOTE_MAE.labels(label).set(mae)
