"""The unit of work: one transaction, and the events raised in it, written at commit.

Every use case of every service receives one (cosmicpython's `AbstractUnitOfWork`, async):

    async with uow:
        booking = await uow.bookings.get(booking_id)
        booking.cancel(now)            # the aggregate records a domain event
        uow.collect(booking)           # ... which the unit of work takes
        await uow.commit()             # events -> contracts -> outbox rows, then COMMIT

It owns the session and the transaction. Aggregates raise plain domain events (dataclasses in
each service's `domain/events.py`); the unit of work translates each to its versioned wire
contract once, at the edge, with the translator the service gives it, and writes them through
the one outbox writer in the same transaction as the change. Leaving the block without a
commit rolls back and drops the events. A consumer records the event it applies in the inbox
through the same unit of work (`first_time`), so the effect and the record commit together.

`FakeUnitOfWork` keeps what was committed in memory, for use-case tests without Postgres.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_contracts import EventData
from maitred_messaging.outbox import OUTBOX, outbox_row, write_events

Translate = Callable[[Any], EventData]
"""A service's domain event -> its versioned contract. Contracts pass through unchanged."""


class RaisesEvents(Protocol):
    events: list[Any]


def passthrough(event: Any) -> EventData:
    """For a service whose use cases raise contracts directly (no translation needed)."""
    if not isinstance(event, EventData):
        raise TypeError(f"no translation for {type(event).__name__}")
    return event


class AbstractUnitOfWork(abc.ABC):
    """One transaction: begin on entering, commit when told, roll back otherwise."""

    def __init__(self, translate: Translate = passthrough) -> None:
        self._translate = translate
        self._raised: list[Any] = []
        self._finished = False
        self._depth = 0

    async def __aenter__(self) -> Self:
        # Re-entrant: a consumer enters the unit to record the inbox, then the use case it
        # calls enters it again; only the outermost block begins and ends the transaction.
        if self._depth == 0:
            self._raised = []
            self._finished = False
            await self._begin()
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            if not self._finished:
                await self.rollback()
        finally:
            await self._end()

    @property
    def finished(self) -> bool:
        """Committed or rolled back: nothing more goes into this transaction."""
        return self._finished

    def add(self, *events: Any) -> None:
        """Events raised by the use case itself (not through an aggregate)."""
        self._raised.extend(events)

    def collect(self, *aggregates: RaisesEvents) -> None:
        """Takes the events an aggregate recorded; they go out only if the commit does."""
        for aggregate in aggregates:
            self._raised.extend(aggregate.events)
            aggregate.events.clear()

    def contracts(self) -> list[EventData]:
        """The events raised so far, as the contracts they will be published as."""
        translate = self._translate
        return [e if isinstance(e, EventData) else translate(e) for e in self._raised]

    def take_contracts(self) -> list[EventData]:
        """The events raised so far as contracts, handed over to be written by the caller
        (a repository that writes them with the change); the commit will not write them."""
        contracts = self.contracts()
        self._raised = []
        return contracts

    async def commit(self) -> None:
        await self._commit(self.take_contracts())
        self._finished = True

    async def rollback(self) -> None:
        self._raised = []
        self._finished = True
        await self._rollback()

    @abc.abstractmethod
    async def first_time(self, event_id: str, consumer: str, event_type: str) -> bool:
        """Records that `consumer` applies this event; False when it already had."""

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self, contracts: list[EventData]) -> None: ...

    @abc.abstractmethod
    async def _rollback(self) -> None: ...

    async def _end(self) -> None:  # noqa: B027 - optional hook
        """After the commit or the rollback: give back what the unit held."""


class SqlUnitOfWork(AbstractUnitOfWork):
    """The unit of work on a service's Postgres schema.

    Built on a session factory (a consumer, a timer: the unit opens and closes its session)
    or on a session a request already holds (the route's turn for a connection was taken by
    the web layer). Repositories are attributes a service's subclass builds in `_start`.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | AsyncSession,
        translate: Translate = passthrough,
        *,
        inbox: Table | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(translate)
        self._sessions = sessions
        self._inbox = inbox
        self._clock = clock
        self._owned = False
        self.session: AsyncSession

    async def _begin(self) -> None:
        if isinstance(self._sessions, AsyncSession):
            self.session, self._owned = self._sessions, False
        else:
            self.session, self._owned = self._sessions(), True
        if not self.session.in_transaction():
            await self.session.begin()
        self._start()

    def _start(self) -> None:
        """Builds the service's repositories on `self.session`."""

    async def _commit(self, contracts: list[EventData]) -> None:
        await self._write_events([outbox_row(e, self._clock()) for e in contracts])
        await self.session.commit()

    async def _write_events(self, rows: list[dict[str, Any]]) -> None:
        """Writes the outbox rows; a repository that batches its writes may take them instead."""
        if not rows:
            return
        table = self.session.info.get(OUTBOX)
        if not isinstance(table, Table):
            raise RuntimeError("this session has no outbox: build it with info={OUTBOX: table}")
        await write_events(self.session, table, rows)

    async def _rollback(self) -> None:
        if self.session.in_transaction():
            await self.session.rollback()

    async def _end(self) -> None:
        if self._owned:
            await self.session.close()

    async def first_time(self, event_id: str, consumer: str, event_type: str) -> bool:
        if self._inbox is None:
            raise RuntimeError("this unit of work has no inbox table")
        recorded = await self.session.execute(
            insert(self._inbox)
            .values(event_id=event_id, consumer=consumer, type=event_type)
            .on_conflict_do_nothing()
            .returning(self._inbox.c.event_id)
        )
        return recorded.first() is not None


class FakeUnitOfWork(AbstractUnitOfWork):
    """In memory, for testing use cases without Postgres: what was committed, and its events.

    A service's fake subclass adds in-memory repositories as attributes.
    """

    def __init__(self, translate: Translate = passthrough) -> None:
        super().__init__(translate)
        self.commits = 0
        self.rollbacks = 0
        self.published: list[EventData] = []
        self.inbox: set[tuple[str, str]] = set()
        self._recorded: set[tuple[str, str]] = set()  # inbox entries of the open unit

    async def _begin(self) -> None:
        self._recorded = set()

    async def _commit(self, contracts: list[EventData]) -> None:
        self.commits += 1
        self.published.extend(contracts)
        self._recorded = set()

    async def _rollback(self) -> None:
        # As in Postgres: an event recorded by a unit that did not commit was not applied.
        self.rollbacks += 1
        self.inbox -= self._recorded
        self._recorded = set()

    async def first_time(self, event_id: str, consumer: str, event_type: str) -> bool:
        key = (str(event_id), consumer)
        if key in self.inbox:
            return False
        self.inbox.add(key)
        self._recorded.add(key)
        return True

    def published_types(self) -> list[str]:
        return [e.event_type for e in self.published]
