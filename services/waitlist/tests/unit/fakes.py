"""The waitlist's unit of work in memory: use cases run as in production, without Postgres.

Repositories hand out copies and keep what a use case saved only once its unit of work
commits, as a transaction would; the events committed are in `uow.published`, as the
contracts the relay would publish.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from maitred_contracts import EventData
from maitred_messaging.unit_of_work import FakeUnitOfWork
from maitred_platform.request_keys import Remembered, RequestKey
from waitlist.adapters.event_contracts import to_contract
from waitlist.domain.estimates import TurnTimes
from waitlist.domain.floor import Table
from waitlist.domain.party import ACTIVE, Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist
from waitlist.service.repositories import DayCounts


class _Stored:
    """One restaurant's rows."""

    def __init__(self, restaurant: Restaurant, settings: Settings) -> None:
        self.restaurant = restaurant
        self.settings = settings
        self.tables: dict[uuid.UUID, Table] = {}
        self.turns = TurnTimes()


class FakeWaitlists:
    def __init__(self) -> None:
        self._restaurants: dict[uuid.UUID, _Stored] = {}
        self._parties: dict[uuid.UUID, Party] = {}
        self._staged: list[Waitlist] = []

    def add_restaurant(
        self, tables: Sequence[Table] = (), known: bool = True, **settings: Any
    ) -> uuid.UUID:
        """A restaurant reservations has told us of, with its floor, already committed."""
        rid = uuid.uuid4()
        stored = _Stored(
            Restaurant(id=rid, known=known, name="Chez Test"),
            Settings(restaurant_id=rid, **settings),
        )
        stored.tables = {t.id: t for t in tables}
        self._restaurants[rid] = stored
        return rid

    async def ensure_restaurant(self, restaurant_id: uuid.UUID) -> None:
        if restaurant_id not in self._restaurants:
            self._restaurants[restaurant_id] = _Stored(
                Restaurant(id=restaurant_id), Settings(restaurant_id=restaurant_id)
            )

    async def load(
        self,
        restaurant_id: uuid.UUID,
        *,
        lock: bool = True,
        skip_locked: bool = False,
        include_party: uuid.UUID | None = None,
    ) -> Waitlist | None:
        stored = self._restaurants.get(restaurant_id)
        if stored is None:
            return None
        parties = [
            p
            for p in self._parties.values()
            if p.restaurant_id == restaurant_id and (p.status in ACTIVE or p.id == include_party)
        ]
        return copy.deepcopy(
            Waitlist(
                stored.restaurant,
                stored.settings,
                parties,
                list(stored.tables.values()),
                stored.turns,
            )
        )

    async def save(self, waitlist: Waitlist, events: Sequence[EventData], now: datetime) -> None:
        # The fake unit of work publishes the events itself, when it commits.
        self._staged.append(copy.deepcopy(waitlist))

    def commit(self) -> None:
        for waitlist in self._staged:
            stored = self._restaurants[waitlist.restaurant.id]
            stored.restaurant, stored.settings = waitlist.restaurant, waitlist.settings
            stored.tables, stored.turns = dict(waitlist.tables), waitlist.turns
            self._parties.update(waitlist.parties)
        self._staged.clear()

    def rollback(self) -> None:
        self._staged.clear()

    async def find_party(self, party_id: uuid.UUID) -> Party | None:
        return copy.deepcopy(self._parties.get(party_id))

    async def party_by_token_hash(self, token_hash: str) -> Party | None:
        found = [p for p in self._parties.values() if p.token_hash == token_hash]
        return copy.deepcopy(found[0]) if found else None

    async def due_restaurants(self, now: datetime) -> list[uuid.UUID]:
        late = {
            p.restaurant_id
            for p in self._parties.values()
            if p.status == "called" and p.checkin_deadline and p.checkin_deadline < now
        }
        return sorted(late)

    async def quote_error(
        self, restaurant_id: uuid.UUID, since: datetime
    ) -> tuple[float | None, int]:
        errors = [
            abs(p.actual_wait_minutes - p.quoted_wait_minutes)
            for p in self._parties.values()
            if p.restaurant_id == restaurant_id
            and p.checked_in_at is not None
            and p.checked_in_at >= since
            and p.actual_wait_minutes is not None
            and p.quoted_wait_minutes is not None
        ]
        return (round(sum(errors) / len(errors), 2) if errors else None), len(errors)

    async def day_counts(self, restaurant_id: uuid.UUID, since: datetime) -> DayCounts:
        ours = [p for p in self._parties.values() if p.restaurant_id == restaurant_id]
        seated = [p for p in ours if p.checked_in_at is not None and p.checked_in_at >= since]
        waits = [p.actual_wait_minutes for p in seated if p.actual_wait_minutes is not None]
        ended = [p for p in ours if p.ended_at is not None and p.ended_at >= since]
        return DayCounts(
            joined=sum(1 for p in ours if p.joined_at >= since),
            seated=len(seated),
            covers=sum(p.party_size for p in seated),
            average_wait_minutes=round(sum(waits) / len(waits), 1) if waits else None,
            no_shows=sum(1 for p in ended if p.status == "no_show"),
            left=sum(1 for p in ended if p.status == "left"),
        )


class FakeJoinKeys:
    def __init__(self) -> None:
        self._kept: dict[str, tuple[str, Remembered | None]] = {}

    async def claim(self, key: RequestKey) -> Remembered | None:
        if key.key not in self._kept:
            self._kept[key.key] = (key.fingerprint, None)
            return None
        return self._kept[key.key][1]

    async def remember(self, key: RequestKey, party_id: uuid.UUID, token: str) -> None:
        self._kept[key.key] = (key.fingerprint, Remembered(party_id, token))


class FakeWaitlistUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(to_contract)
        self.waitlists = FakeWaitlists()
        self.join_keys = FakeJoinKeys()

    async def save(self, waitlist: Waitlist, now: datetime) -> None:
        waitlist.publish_snapshot(now)
        self.collect(waitlist)
        await self.waitlists.save(waitlist, (), now)

    async def _commit(self, contracts: list[EventData]) -> None:
        await super()._commit(contracts)
        self.waitlists.commit()

    async def _rollback(self) -> None:
        await super()._rollback()
        self.waitlists.rollback()

    def published_of(self, event_type: type[EventData]) -> list[Any]:
        return [e for e in self.published if isinstance(e, event_type)]
