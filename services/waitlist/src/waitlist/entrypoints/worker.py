"""The timer worker started in the lifespan: polls for due deadlines and heads-ups."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from maitred_platform.clock import Clock
from maitred_platform.logs import get_logger
from waitlist.service.timers import run_due_timers
from waitlist.service.unit_of_work import WaitlistUnitOfWork

UnitOfWorkFactory = Callable[[], WaitlistUnitOfWork]

log = get_logger(__name__)


async def run_timers_forever(
    unit_of_work: UnitOfWorkFactory, clock: Clock, interval_seconds: float
) -> None:
    while True:
        try:
            await run_due_timers(unit_of_work, clock())
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not stop the timers for good
            log.exception("timer_round_failed")
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def timer_worker(
    unit_of_work: UnitOfWorkFactory, clock: Clock, interval_seconds: float
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(
        run_timers_forever(unit_of_work, clock, interval_seconds), name="waitlist-timers"
    )
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
