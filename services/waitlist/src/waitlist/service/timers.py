"""Deadlines and heads-ups, stored in the database and driven by a polling worker.

Each due restaurant is handled in its own transaction under its row lock taken with
SKIP LOCKED, so two instances (or a request in flight) never handle it twice at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Interval, cast, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waitlist.adapters import orm
from waitlist.adapters.repository import WaitlistRepository


async def due_restaurants(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    p, t, s = orm.parties, orm.tables, orm.settings
    deadlines = select(p.c.restaurant_id).where(p.c.status == "called", p.c.checkin_deadline < now)
    minute = cast(literal("1 minute"), Interval)
    heads_ups = (
        select(t.c.restaurant_id)
        .join(s, s.c.restaurant_id == t.c.restaurant_id)
        .where(
            t.c.status == "occupied",
            t.c.heads_up_sent.is_(False),
            t.c.removed.is_(False),
            s.c.heads_up_minutes > 0,
            t.c.expected_free_at - s.c.heads_up_minutes * minute <= now,
        )
    )
    rows = await session.execute(union(deadlines, heads_ups))
    return [row[0] for row in rows]


async def run_due_timers(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Handles every restaurant with a deadline passed or a heads-up due; returns how many."""
    async with sessions() as session:
        due = await due_restaurants(session, now)
    handled = 0
    for restaurant_id in due:
        async with sessions() as session, session.begin():
            repository = WaitlistRepository(session)
            waitlist = await repository.load(restaurant_id, skip_locked=True)
            if waitlist is None:  # being changed elsewhere right now: next round
                continue
            waitlist.expire_checkins(now)
            waitlist.send_heads_ups(now)
            waitlist.publish_snapshot(now)
            await repository.save(waitlist, now)
            handled += 1
    return handled
