"""What the public, the host and the dashboard read: summary, queue, settings, stats."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from waitlist.domain.estimates import Estimate
from waitlist.domain.queue import PartyView
from waitlist.domain.settings import Settings
from waitlist.service.unit_of_work import WaitlistUnitOfWork, waitlist_to_read


@dataclass(frozen=True)
class Summary:
    open: bool
    parties_waiting: int
    estimate: Estimate


async def summary(uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, now: datetime) -> Summary:
    async with uow:
        waitlist = await waitlist_to_read(uow, restaurant_id)
    return Summary(
        open=waitlist.settings.open,
        parties_waiting=len(waitlist.queue.in_order()),
        estimate=waitlist.queue.newcomer_estimate(now),
    )


@dataclass(frozen=True)
class HostQueue:
    parties: list[PartyView]
    """Waiting and called parties in queue order, then those at their tables."""
    suggestions: dict[uuid.UUID, uuid.UUID]
    """Party id -> free table the strategy would give it."""


async def host_queue(uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, now: datetime) -> HostQueue:
    async with uow:
        waitlist = await waitlist_to_read(uow, restaurant_id)
    queue = waitlist.queue
    estimates = queue.estimates(now)
    queued = [
        PartyView(party, rank, estimates[party.id])
        for rank, party in enumerate(queue.in_order(), start=1)
    ]
    seated = sorted(
        (p for p in waitlist.parties.values() if p.status == "checked_in"),
        key=lambda p: p.checked_in_at or p.joined_at,
    )
    views = queued + [PartyView(party, None, None) for party in seated]
    return HostQueue(views, queue.suggestions())


async def settings_of(uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID) -> tuple[Settings, int]:
    """The settings and the party size limit in force (the restaurant's when not set)."""
    async with uow:
        waitlist = await waitlist_to_read(uow, restaurant_id)
    return waitlist.settings, waitlist.queue.party_size_limit()


def start_of_day(now: datetime, timezone: str) -> datetime:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone)


async def stats(uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """The host dashboard's numbers for today (the restaurant's local day)."""
    async with uow:
        waitlist = await waitlist_to_read(uow, restaurant_id)
        today = start_of_day(now, waitlist.restaurant.timezone)
        counts = await uow.waitlists.day_counts(restaurant_id, today)
        mae_today, measured_today = await uow.waitlists.quote_error(restaurant_id, today)
        mae_week, measured_week = await uow.waitlists.quote_error(
            restaurant_id, now - timedelta(days=7)
        )
    queue = waitlist.queue.in_order()
    return {
        "parties_waiting": sum(1 for party in queue if party.status == "waiting"),
        "parties_called": sum(1 for party in queue if party.status == "called"),
        "parties_seated_now": sum(
            1 for party in waitlist.parties.values() if party.status == "checked_in"
        ),
        "estimated_wait_minutes": waitlist.queue.newcomer_estimate(now).minutes,
        "parties_joined_today": counts.joined,
        "parties_seated_today": counts.seated,
        "covers_seated_today": counts.covers,
        "average_wait_minutes": counts.average_wait_minutes,
        "no_shows_today": counts.no_shows,
        "left_today": counts.left,
        "quote_mae_minutes": mae_today,
        "quotes_measured_today": measured_today,
        "quote_mae_minutes_7d": mae_week,
        "quotes_measured_7d": measured_week,
    }
