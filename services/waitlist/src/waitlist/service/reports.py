"""What the public, the host and the dashboard read: summary, queue, settings, stats."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from waitlist.adapters import orm
from waitlist.domain.estimates import Estimate
from waitlist.domain.queue_view import PartyView
from waitlist.domain.settings import Settings
from waitlist.service.accuracy import mean_absolute_error
from waitlist.service.unit import reading_waitlist


@dataclass(frozen=True)
class Summary:
    open: bool
    parties_waiting: int
    estimate: Estimate


async def summary(session: AsyncSession, restaurant_id: uuid.UUID, now: datetime) -> Summary:
    waitlist = await reading_waitlist(session, restaurant_id)
    return Summary(
        open=waitlist.settings.open,
        parties_waiting=len(waitlist.queue()),
        estimate=waitlist.newcomer_estimate(now),
    )


@dataclass(frozen=True)
class HostQueue:
    parties: list[PartyView]
    """Waiting and called parties in queue order, then those at their tables."""
    suggestions: dict[uuid.UUID, uuid.UUID]
    """Party id -> free table the strategy would give it."""


async def host_queue(session: AsyncSession, restaurant_id: uuid.UUID, now: datetime) -> HostQueue:
    waitlist = await reading_waitlist(session, restaurant_id)
    estimates = waitlist.estimates(now)
    queued = [
        PartyView(party, rank, estimates[party.id])
        for rank, party in enumerate(waitlist.queue(), start=1)
    ]
    seated = sorted(
        (p for p in waitlist.parties.values() if p.status == "checked_in"),
        key=lambda p: p.checked_in_at or p.joined_at,
    )
    views = queued + [PartyView(party, None, None) for party in seated]
    return HostQueue(views, waitlist.suggestions())


async def settings_of(session: AsyncSession, restaurant_id: uuid.UUID) -> tuple[Settings, int]:
    """The settings and the party size limit in force (the restaurant's when not set)."""
    waitlist = await reading_waitlist(session, restaurant_id)
    return waitlist.settings, waitlist.party_size_limit()


def start_of_day(now: datetime, timezone: str) -> datetime:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone)


async def stats(session: AsyncSession, restaurant_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """The host dashboard's numbers for today (the restaurant's local day)."""
    waitlist = await reading_waitlist(session, restaurant_id)
    today = start_of_day(now, waitlist.restaurant.timezone)
    p = orm.parties
    seated_today = p.c.checked_in_at >= today
    row = (
        await session.execute(
            select(
                func.count().filter(seated_today),
                func.coalesce(func.sum(p.c.party_size).filter(seated_today), 0),
                func.avg(p.c.actual_wait_minutes).filter(seated_today),
                func.count().filter(p.c.status == "no_show", p.c.ended_at >= today),
                func.count().filter(p.c.status == "left", p.c.ended_at >= today),
                func.count().filter(p.c.joined_at >= today),
            ).where(p.c.restaurant_id == restaurant_id)
        )
    ).one()
    mae_today, measured_today = await mean_absolute_error(session, restaurant_id, today)
    mae_week, measured_week = await mean_absolute_error(
        session, restaurant_id, now - timedelta(days=7)
    )
    queue = waitlist.queue()
    return {
        "parties_waiting": sum(1 for party in queue if party.status == "waiting"),
        "parties_called": sum(1 for party in queue if party.status == "called"),
        "parties_seated_now": sum(
            1 for party in waitlist.parties.values() if party.status == "checked_in"
        ),
        "estimated_wait_minutes": waitlist.newcomer_estimate(now).minutes,
        "parties_joined_today": row[5],
        "parties_seated_today": row[0],
        "covers_seated_today": int(row[1]),
        "average_wait_minutes": None if row[2] is None else round(float(row[2]), 1),
        "no_shows_today": row[3],
        "left_today": row[4],
        "quote_mae_minutes": mae_today,
        "quotes_measured_today": measured_today,
        "quote_mae_minutes_7d": mae_week,
        "quotes_measured_7d": measured_week,
    }
