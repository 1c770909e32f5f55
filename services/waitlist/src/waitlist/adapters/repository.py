"""Loads a restaurant's waitlist under a row lock and saves what changed, with its events."""

from __future__ import annotations

import uuid
from dataclasses import asdict, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy import Table as SqlTable
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_messaging import add_event
from waitlist.adapters import orm
from waitlist.domain.estimates import TurnStat, TurnTimes
from waitlist.domain.floor import Table
from waitlist.domain.party import ACTIVE, Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist


def _row_to(kind: Any, row: Any) -> Any:
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in row._mapping.items() if k in names})


class WaitlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._loaded: dict[tuple[str, Any], Any] = {}

    async def ensure_restaurant(self, restaurant_id: uuid.UUID) -> None:
        """Creates the restaurant's rows with default settings, once; events may come first."""
        await self.session.execute(
            insert(orm.restaurants)
            .values(**asdict(Restaurant(id=restaurant_id)))
            .on_conflict_do_nothing()
        )
        await self.session.execute(
            insert(orm.settings)
            .values(**asdict(Settings(restaurant_id=restaurant_id)))
            .on_conflict_do_nothing()
        )

    async def load(
        self,
        restaurant_id: uuid.UUID,
        *,
        lock: bool = True,
        skip_locked: bool = False,
        include_party: uuid.UUID | None = None,
    ) -> Waitlist | None:
        """The waitlist with its active parties (and `include_party` whatever its status).

        With `lock`, the restaurant row is locked for the transaction: every change to one
        restaurant's waitlist is serialized by it. With `skip_locked`, a restaurant someone
        else is changing answers None instead of waiting.
        """
        query = select(orm.restaurants).where(orm.restaurants.c.id == restaurant_id)
        if lock:
            query = query.with_for_update(skip_locked=skip_locked)
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        restaurant: Restaurant = _row_to(Restaurant, row)
        settings_row = (
            await self.session.execute(
                select(orm.settings).where(orm.settings.c.restaurant_id == restaurant_id)
            )
        ).one()
        settings: Settings = _row_to(Settings, settings_row)
        wanted: ColumnElement[bool] = orm.parties.c.status.in_(ACTIVE)
        if include_party is not None:
            wanted = wanted | (orm.parties.c.id == include_party)
        party_rows = await self.session.execute(
            select(orm.parties).where(orm.parties.c.restaurant_id == restaurant_id, wanted)
        )
        parties = [_row_to(Party, r) for r in party_rows]
        table_rows = await self.session.execute(
            select(orm.tables).where(orm.tables.c.restaurant_id == restaurant_id)
        )
        tables = [_row_to(Table, r) for r in table_rows]
        t = orm.turn_times
        turn_rows = await self.session.execute(
            select(t.c.party_size, t.c.count.label("count_"), t.c.mean, t.c.m2).where(
                t.c.restaurant_id == restaurant_id
            )
        )
        turns = TurnTimes({r.party_size: TurnStat(r.count_, r.mean, r.m2) for r in turn_rows})
        self._remember("restaurant", restaurant.id, restaurant)
        self._remember("settings", restaurant.id, settings)
        for party in parties:
            self._remember("party", party.id, party)
        for table in tables:
            self._remember("table", table.id, table)
        for size, stat in turns.stats.items():
            self._remember("turn", size, stat)
        return Waitlist(restaurant, settings, parties, tables, turns)

    def _remember(self, kind: str, key: Any, value: Any) -> None:
        self._loaded[(kind, key)] = replace(value)

    async def save(self, waitlist: Waitlist, now: datetime) -> None:
        """Writes every changed row, then the collected events, in the caller's transaction."""
        rid = waitlist.restaurant.id
        await self._save_row(orm.restaurants, "restaurant", rid, waitlist.restaurant)
        await self._save_row(
            orm.settings, "settings", rid, waitlist.settings, key_column="restaurant_id"
        )
        for table in waitlist.tables.values():
            await self._save_row(orm.tables, "table", table.id, table)
        for party in waitlist.parties.values():
            await self._save_row(orm.parties, "party", party.id, party)
        for size, stat in waitlist.turns.stats.items():
            if self._loaded.get(("turn", size)) != stat:
                values = {"restaurant_id": rid, "party_size": size, **asdict(stat)}
                await self.session.execute(
                    insert(orm.turn_times)
                    .values(**values)
                    .on_conflict_do_update(
                        index_elements=["restaurant_id", "party_size"], set_=asdict(stat)
                    )
                )
                self._remember("turn", size, stat)
        for event in waitlist.events:
            await add_event(self.session, event, occurred_at=now)
        waitlist.events.clear()

    async def _save_row(
        self, table: SqlTable, kind: str, key: Any, value: Any, *, key_column: str = "id"
    ) -> None:
        before = self._loaded.get((kind, key))
        if before == value:
            return
        values = asdict(value)
        if before is None:
            await self.session.execute(insert(table).values(**values))
        else:
            changed = {k: v for k, v in values.items() if getattr(before, k) != v}
            await self.session.execute(
                update(table).where(table.c[key_column] == key).values(**changed)
            )
        self._remember(kind, key, value)

    # -- lookups without the lock --------------------------------------------------------------

    async def find_party(self, party_id: uuid.UUID) -> Party | None:
        row = (
            await self.session.execute(select(orm.parties).where(orm.parties.c.id == party_id))
        ).first()
        return None if row is None else _row_to(Party, row)

    async def party_by_token_hash(self, token_hash: str) -> Party | None:
        row = (
            await self.session.execute(
                select(orm.parties).where(orm.parties.c.token_hash == token_hash)
            )
        ).first()
        return None if row is None else _row_to(Party, row)
