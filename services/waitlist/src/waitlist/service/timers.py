"""Deadlines and heads-ups, stored in the database and driven by a polling worker.

Each due restaurant is handled in its own unit of work under its row lock taken with
SKIP LOCKED, so two instances (or a request in flight) never handle it twice at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from waitlist.service.unit_of_work import WaitlistUnitOfWork


async def run_due_timers(unit_of_work: Callable[[], WaitlistUnitOfWork], now: datetime) -> int:
    """Handles every restaurant with a deadline passed or a heads-up due; returns how many."""
    async with unit_of_work() as uow:
        due = await uow.waitlists.due_restaurants(now)
    handled = 0
    for restaurant_id in due:
        async with unit_of_work() as uow:
            waitlist = await uow.waitlists.load(restaurant_id, skip_locked=True)
            if waitlist is None:  # being changed elsewhere right now: next round
                continue
            waitlist.expire_checkins(now)
            waitlist.send_heads_ups(now)
            await uow.save(waitlist, now)
            await uow.commit()
            handled += 1
    return handled
