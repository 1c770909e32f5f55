"""Loads a restaurant's waitlist under a row lock and saves what changed, with its events.

Round trips to the database are most of what a change costs, so a change makes four: the
lock, one read of everything else, one statement for every row it changed and every event
it raised, and the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Insert,
    ScalarSelect,
    Select,
    Update,
    func,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.types import NullType

from maitred_contracts import EventData
from waitlist.adapters import orm
from waitlist.domain.estimates import TurnStat, TurnTimes
from waitlist.domain.floor import Table
from waitlist.domain.party import ACTIVE, Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist

Row = TypeVar("Row")
HOLDS_A_TABLE = ("called", "checked_in")


def _columns(kind: type, table: SqlTable) -> list[Column[Any]]:
    """The table's columns in the order of the fields of `kind`, which bear their names."""
    return [table.c[field.name] for field in fields(kind)]


def _records(kind: type, table: SqlTable, *where: ColumnElement[bool]) -> ScalarSelect[Any]:
    """Every matching row as one array of records in the field order of `kind`.

    One column whatever the number of rows, so one query reads several tables at once.
    """
    row = func.row(*_columns(kind, table))
    return select(func.array_agg(row, type_=NullType())).where(*where).scalar_subquery()


def _build(kind: type[Row], records: Sequence[Sequence[Any]] | None) -> list[Row]:
    return [kind(*record) for record in records or ()]


def _row_to(kind: Any, row: Any) -> Any:
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in row._mapping.items() if k in names})


class WaitlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # What each loaded or saved row held, to write only what changed.
        self._loaded: dict[tuple[str, Any], dict[str, Any]] = {}
        self._turns: dict[int, TurnStat] = {}

    async def ensure_restaurant(self, restaurant_id: uuid.UUID) -> None:
        """Creates the restaurant's rows with default settings, once; events may come first."""
        await self.session.execute(
            insert(orm.restaurants)
            .values(**vars(Restaurant(id=restaurant_id)))
            .on_conflict_do_nothing()
        )
        await self.session.execute(
            insert(orm.settings)
            .values(**vars(Settings(restaurant_id=restaurant_id)))
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
        r = orm.restaurants
        if lock:
            query = select(*_columns(Restaurant, r)).where(r.c.id == restaurant_id)
            row = (
                await self.session.execute(query.with_for_update(skip_locked=skip_locked))
            ).first()
            if row is None:
                return None
            restaurant = Restaurant(*row)
            # A statement sees what was committed when it started, so what the previous
            # holder of the lock wrote is read by a statement of its own, once the lock is ours.
            contents: Sequence[Any] = (
                await self.session.execute(select(*self._contents(restaurant_id, include_party)))
            ).one()
        else:
            found = (
                await self.session.execute(
                    select(
                        _records(Restaurant, r, r.c.id == restaurant_id),
                        *self._contents(restaurant_id, include_party),
                    )
                )
            ).one()
            if found[0] is None:
                return None
            [restaurant] = _build(Restaurant, found[0])
            contents = found[1:]
        settings_records, party_records, table_records, turn_records = contents
        [settings] = _build(Settings, settings_records)
        parties = _build(Party, party_records)
        tables = _build(Table, table_records)
        turns = TurnTimes({size: TurnStat(*stat) for size, *stat in turn_records or ()})
        self._remember("restaurant", restaurant.id, restaurant)
        self._remember("settings", restaurant.id, settings)
        for party in parties:
            self._remember("party", party.id, party)
        for table in tables:
            self._remember("table", table.id, table)
        self._turns.update(turns.stats)
        return Waitlist(restaurant, settings, parties, tables, turns)

    @staticmethod
    def _contents(
        restaurant_id: uuid.UUID, include_party: uuid.UUID | None
    ) -> list[ScalarSelect[Any]]:
        """Settings, parties, tables and turn times of a restaurant: one column each."""
        p, t = orm.parties, orm.turn_times
        wanted: ColumnElement[bool] = p.c.status.in_(ACTIVE)
        if include_party is not None:
            wanted = wanted | (p.c.id == include_party)
        turns = func.row(t.c.party_size, *_columns(TurnStat, t))
        return [
            _records(Settings, orm.settings, orm.settings.c.restaurant_id == restaurant_id),
            _records(Party, p, p.c.restaurant_id == restaurant_id, wanted),
            _records(Table, orm.tables, orm.tables.c.restaurant_id == restaurant_id),
            select(func.array_agg(turns, type_=NullType()))
            .where(t.c.restaurant_id == restaurant_id)
            .scalar_subquery(),
        ]

    def _remember(self, kind: str, key: Any, value: Any) -> None:
        # Every field is an immutable value (ids, numbers, texts, times): a shallow copy is
        # a snapshot.
        self._loaded[(kind, key)] = dict(vars(value))

    async def save(self, waitlist: Waitlist, now: datetime) -> None:
        """Writes every changed row, then the collected events, in the caller's transaction."""
        rid = waitlist.restaurant.id
        writes = _Writes()
        self._write_row(writes, orm.restaurants, "restaurant", rid, waitlist.restaurant)
        self._write_row(
            writes, orm.settings, "settings", rid, waitlist.settings, key_column="restaurant_id"
        )
        for table in waitlist.tables.values():
            self._write_row(writes, orm.tables, "table", table.id, table)
        # A table one party gives up may go to another in the same change: the one giving
        # it up is written first, or the one-party-per-table index would refuse the other.
        for party in sorted(waitlist.parties.values(), key=lambda p: p.status in HOLDS_A_TABLE):
            self._write_row(writes, orm.parties, "party", party.id, party)
        for size, stat in waitlist.turns.stats.items():
            if self._turns.get(size) != stat:
                values = {"restaurant_id": rid, "party_size": size, **vars(stat)}
                writes.upsert(orm.turn_times, values, ["restaurant_id", "party_size"])
                self._turns[size] = stat
        for event in waitlist.events:
            writes.insert(orm.outbox, _outbox_row(event, now))
        waitlist.events.clear()
        if writes.statement is not None:
            await self.session.execute(writes.statement)

    def _write_row(
        self,
        writes: _Writes,
        table: SqlTable,
        kind: str,
        key: Any,
        value: Any,
        *,
        key_column: str = "id",
    ) -> None:
        before = self._loaded.get((kind, key))
        values = vars(value)
        if before == values:
            return
        if before is None:
            writes.insert(table, values)
        else:
            changed = {k: v for k, v in values.items() if before[k] != v}
            writes.update(table, table.c[key_column] == key, changed)
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


def _outbox_row(event: EventData, now: datetime) -> dict[str, Any]:
    """The outbox row `maitred_messaging.add_event` writes, to go out with the other writes."""
    return {
        "event_id": uuid.uuid4(),
        "type": event.event_type,
        "source": event.source(),
        "subject": event.subject(),
        "restaurant_id": event.restaurant_id,
        "data": event.model_dump(mode="json"),
        "occurred_at": now,
    }


class _Writes:
    """One-row writes chained into one statement, each run after the one before it.

    PostgreSQL runs the writes of a WITH in no set order unless one reads another's output,
    and the order matters (ids of events, a table passed from one party to the next): each
    write here starts only once the one before it has returned all it wrote.
    """

    def __init__(self) -> None:
        self.last: CTE | None = None
        self.count = 0

    @property
    def statement(self) -> Select[Any] | None:
        return None if self.last is None else select(func.count()).select_from(self.last)

    def _after_last(self) -> ColumnElement[bool]:
        if self.last is None:
            return true()
        return select(func.count()).select_from(self.last).scalar_subquery() >= 0

    def _chain(self, write: Insert | Update) -> None:
        self.count += 1
        self.last = write.returning(literal_column("1")).cte(f"write_{self.count}")

    def insert(self, table: SqlTable, values: dict[str, Any]) -> None:
        self._chain(self._insert(table, values))

    def upsert(self, table: SqlTable, values: dict[str, Any], key: Iterable[str]) -> None:
        write = self._insert(table, values)
        key = list(key)
        excluded = write.excluded
        self._chain(
            write.on_conflict_do_update(
                index_elements=key, set_={n: excluded[n] for n in values if n not in key}
            )
        )

    def update(self, table: SqlTable, where: ColumnElement[bool], values: dict[str, Any]) -> None:
        self._chain(update(table).where(where, self._after_last()).values(**values))

    def _insert(self, table: SqlTable, values: dict[str, Any]) -> Any:
        row = select(*[literal(v, table.c[n].type).label(n) for n, v in values.items()])
        return insert(table).from_select(list(values), row.where(self._after_last()))
