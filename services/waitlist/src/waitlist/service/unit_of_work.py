"""The waitlist's unit of work: one transaction, its repositories, its events at the edge."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_messaging.unit_of_work import SqlUnitOfWork
from waitlist.adapters import orm
from waitlist.adapters.event_contracts import to_contract
from waitlist.adapters.join_keys import JoinKeyRepository
from waitlist.adapters.repository import WaitlistRepository
from waitlist.domain.errors import NotFound
from waitlist.domain.waitlist import Waitlist
from waitlist.service.repositories import JoinKeys, Waitlists


class WaitlistUnitOfWork(SqlUnitOfWork):
    """Built on a request's session (routes) or on the session factory (consumer, timers)."""

    waitlists: Waitlists
    join_keys: JoinKeys

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | AsyncSession,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sealing_key: str = "",
    ) -> None:
        super().__init__(sessions, to_contract, inbox=orm.inbox, clock=clock)
        self._sealing_key = sealing_key

    def _start(self) -> None:
        self.waitlists = WaitlistRepository(self.session)
        self.join_keys = JoinKeyRepository(self.session, self._sealing_key)

    async def save(self, waitlist: Waitlist, now: datetime) -> None:
        """Announces the queue if it moved, then writes the change with every event raised
        so far in the repository's one statement: a change's writes cost one round trip."""
        waitlist.publish_snapshot(now)
        self.collect(waitlist)
        # Written now, with the change: the commit has none of them left to write.
        await self.waitlists.save(waitlist, self.take_contracts(), now)


async def waitlist_to_change(
    uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, *, include_party: uuid.UUID | None = None
) -> Waitlist:
    """The waitlist, locked until the unit of work ends: changes to it wait their turn."""
    waitlist = await uow.waitlists.load(restaurant_id, include_party=include_party)
    if waitlist is None:
        raise NotFound("There is no waitlist for this restaurant.")
    return waitlist


async def waitlist_to_read(
    uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, *, include_party: uuid.UUID | None = None
) -> Waitlist:
    """The waitlist as it stands, without a lock, for answering questions."""
    waitlist = await uow.waitlists.load(restaurant_id, lock=False, include_party=include_party)
    if waitlist is None or not waitlist.restaurant.known:
        raise NotFound("There is no waitlist for this restaurant.")
    return waitlist
