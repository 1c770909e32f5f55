"""One change to one restaurant's waitlist: load it locked, change it, save it with events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from waitlist.adapters.repository import WaitlistRepository
from waitlist.domain.errors import NotFound
from waitlist.domain.waitlist import Waitlist


@asynccontextmanager
async def changing_waitlist(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    now: datetime,
    *,
    include_party: uuid.UUID | None = None,
) -> AsyncIterator[Waitlist]:
    """Yields the locked waitlist; on leaving the block its changes and events are written.

    The caller owns the transaction. A queue snapshot event is added when the queue changed.
    """
    repository = WaitlistRepository(session)
    waitlist = await repository.load(restaurant_id, include_party=include_party)
    if waitlist is None:
        raise NotFound("There is no waitlist for this restaurant.")
    yield waitlist
    waitlist.publish_snapshot(now)
    await repository.save(waitlist, now)


async def reading_waitlist(
    session: AsyncSession, restaurant_id: uuid.UUID, *, include_party: uuid.UUID | None = None
) -> Waitlist:
    """The waitlist as it stands, without a lock, for answering questions."""
    waitlist = await WaitlistRepository(session).load(
        restaurant_id, lock=False, include_party=include_party
    )
    if waitlist is None or not waitlist.restaurant.known:
        raise NotFound("There is no waitlist for this restaurant.")
    return waitlist
