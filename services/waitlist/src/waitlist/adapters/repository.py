"""Loads a restaurant's waitlist under a row lock and saves what changed, with its events.

Round trips to the database are most of what a change costs, so a change makes few: the
lock, one read of everything else, one statement for every row it changed and every event
it raised (handed over by the unit of work), then the unit of work's commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    CompoundSelect,
    Insert,
    Interval,
    ScalarSelect,
    Select,
    Text,
    Update,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
    union,
    update,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.types import NullType

from maitred_contracts import EventData
from maitred_messaging.outbox import outbox_row
from waitlist.adapters import orm
from waitlist.domain.estimates import TurnStat, TurnTimes
from waitlist.domain.floor import Table
from waitlist.domain.party import ACTIVE, Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist
from waitlist.service.repositories import DayCounts

Loaded = TypeVar("Loaded")
HOLDS_A_TABLE = ("called", "checked_in")


def _columns(kind: type, table: SqlTable) -> list[Column[Any]]:
    """The table's columns in the order of the fields of `kind`, which bear their names."""
    return [table.c[field.name] for field in fields(kind)]


def _records(
    columns: Sequence[ColumnElement[Any]], *where: ColumnElement[bool]
) -> ScalarSelect[Any]:
    """Every matching row as one array of records: one column whatever the number of rows,
    so one query reads several tables at once."""
    row = func.row(*columns)
    return select(func.array_agg(row, type_=NullType())).where(*where).scalar_subquery()


RESTAURANT_ID = bindparam("restaurant_id", type_=orm.restaurants.c.id.type)
INCLUDE_PARTY = bindparam("include_party", type_=orm.parties.c.id.type)


# Statements are built once and reused: building and keying one costs more than running it.
@cache
def _locking_read(skip_locked: bool) -> Select[Any]:
    r = orm.restaurants
    query = select(*_columns(Restaurant, r)).where(r.c.id == RESTAURANT_ID)
    return query.with_for_update(skip_locked=skip_locked)


@cache
def _contents_read(with_restaurant: bool, with_party: bool) -> Select[Any]:
    """Settings, parties, tables and turn times of a restaurant (first its row if asked)."""
    r, s, p, t, tt = orm.restaurants, orm.settings, orm.parties, orm.tables, orm.turn_times
    wanted: ColumnElement[bool] = p.c.status.in_(ACTIVE)
    if with_party:
        wanted = wanted | (p.c.id == INCLUDE_PARTY)
    columns = [
        _records(_columns(Settings, s), s.c.restaurant_id == RESTAURANT_ID),
        _records(_columns(Party, p), p.c.restaurant_id == RESTAURANT_ID, wanted),
        _records(_columns(Table, t), t.c.restaurant_id == RESTAURANT_ID),
        _records([tt.c.party_size, *_columns(TurnStat, tt)], tt.c.restaurant_id == RESTAURANT_ID),
    ]
    if with_restaurant:
        columns.insert(0, _records(_columns(Restaurant, r), r.c.id == RESTAURANT_ID))
    return select(*columns)


def _build(kind: type[Loaded], records: Sequence[Sequence[Any]] | None) -> list[Loaded]:
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
        params = {"restaurant_id": restaurant_id, "include_party": include_party}
        with_party = include_party is not None
        if lock:
            read = await self.session.execute(_locking_read(skip_locked), params)
            row = read.first()
            if row is None:
                return None
            restaurant = Restaurant(*row)
            # A statement sees what was committed when it started, so what the previous
            # holder of the lock wrote is read by a statement of its own, once the lock is ours.
            contents: Sequence[Any] = (
                await self.session.execute(_contents_read(False, with_party), params)
            ).one()
        else:
            found = (await self.session.execute(_contents_read(True, with_party), params)).one()
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
        # Every field is an immutable value (ids, numbers, texts, times): a shallow copy of
        # a row is a snapshot of it.
        self._loaded.update({("party", p.id): dict(vars(p)) for p in parties})
        self._loaded.update({("table", t.id): dict(vars(t)) for t in tables})
        self._turns.update(turns.stats)
        return Waitlist(restaurant, settings, parties, tables, turns)

    def _remember(self, kind: str, key: Any, value: Any) -> None:
        self._loaded[(kind, key)] = dict(vars(value))

    async def save(self, waitlist: Waitlist, events: Sequence[EventData], now: datetime) -> None:
        """Writes every changed row, then the events, in one statement of the transaction."""
        rid = waitlist.restaurant.id
        writes = _Writes()
        self._write_row(writes, orm.restaurants, "restaurant", rid, waitlist.restaurant)
        self._write_row(
            writes, orm.settings, "settings", rid, waitlist.settings, key_column="restaurant_id"
        )
        for table in waitlist.tables.values():
            self._write_row(writes, orm.tables, "table", table.id, table)
        loaded = self._loaded
        changed = [p for p in waitlist.parties.values() if loaded.get(("party", p.id)) != vars(p)]
        # A table one party gives up may go to another in the same change: the one giving
        # it up is written first, or the one-party-per-table index would refuse the other.
        for party in sorted(changed, key=lambda p: p.status in HOLDS_A_TABLE):
            self._write_row(writes, orm.parties, "party", party.id, party)
        for size, stat in waitlist.turns.stats.items():
            if self._turns.get(size) != stat:
                values = {"restaurant_id": rid, "party_size": size, **vars(stat)}
                writes.upsert(orm.turn_times, values)
                self._turns[size] = stat
        for event in events:
            writes.insert(orm.outbox, outbox_row(event, now))
        if writes.shape:
            await self.session.execute(_chained(tuple(writes.shape)), writes.params)

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
            writes.update(table, key_column, key, changed)
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

    # -- what timers and reports ask -------------------------------------------------------------

    async def due_restaurants(self, now: datetime) -> list[uuid.UUID]:
        """Restaurants with a called party past its deadline or a heads-up due."""
        rows = await self.session.execute(_due_restaurants(), {"now": now})
        return [row[0] for row in rows]

    async def quote_error(
        self, restaurant_id: uuid.UUID, since: datetime
    ) -> tuple[float | None, int]:
        p = orm.parties
        error = func.abs(p.c.actual_wait_minutes - p.c.quoted_wait_minutes)
        row = (
            await self.session.execute(
                select(func.avg(error), func.count()).where(
                    p.c.restaurant_id == restaurant_id,
                    p.c.checked_in_at >= since,
                    p.c.actual_wait_minutes.is_not(None),
                    p.c.quoted_wait_minutes.is_not(None),
                )
            )
        ).one()
        return (None if row[0] is None else round(float(row[0]), 2)), int(row[1])

    async def day_counts(self, restaurant_id: uuid.UUID, since: datetime) -> DayCounts:
        p = orm.parties
        seated = p.c.checked_in_at >= since
        row = (
            await self.session.execute(
                select(
                    func.count().filter(p.c.joined_at >= since),
                    func.count().filter(seated),
                    func.coalesce(func.sum(p.c.party_size).filter(seated), 0),
                    func.avg(p.c.actual_wait_minutes).filter(seated),
                    func.count().filter(p.c.status == "no_show", p.c.ended_at >= since),
                    func.count().filter(p.c.status == "left", p.c.ended_at >= since),
                ).where(p.c.restaurant_id == restaurant_id)
            )
        ).one()
        return DayCounts(
            joined=row[0],
            seated=row[1],
            covers=int(row[2]),
            average_wait_minutes=None if row[3] is None else round(float(row[3]), 1),
            no_shows=row[4],
            left=row[5],
        )


@cache
def _due_restaurants() -> CompoundSelect:
    p, t, s = orm.parties, orm.tables, orm.settings
    now = bindparam("now", type_=p.c.checkin_deadline.type)
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
    return union(deadlines, heads_ups)


class Write(NamedTuple):
    """One row written, without its values: statements are built once per list of these."""

    verb: Literal["insert", "upsert", "update"]
    table: str
    columns: tuple[str, ...]
    key_column: str = "id"


class _Writes:
    """The rows a change writes, in order, with their values: run as one statement."""

    def __init__(self) -> None:
        self.shape: list[Write] = []
        self.params: dict[str, Any] = {}

    def insert(self, table: SqlTable, values: dict[str, Any]) -> None:
        self._add(Write("insert", table.fullname, tuple(values)), values)

    def upsert(self, table: SqlTable, values: dict[str, Any]) -> None:
        self._add(Write("upsert", table.fullname, tuple(values)), values)

    def update(self, table: SqlTable, key_column: str, key: Any, values: dict[str, Any]) -> None:
        self.params[f"w{len(self.shape)}_key"] = key
        self._add(Write("update", table.fullname, tuple(values), key_column), values)

    def _add(self, write: Write, values: dict[str, Any]) -> None:
        number = len(self.shape)
        self.shape.append(write)
        for name, value in values.items():
            self.params[f"w{number}_{name}"] = value


@lru_cache(maxsize=512)
def _chained(shape: tuple[Write, ...]) -> Select[Any]:
    """One statement of one-row writes, each run after the one before it.

    PostgreSQL runs the writes of a WITH in no set order unless one reads another's output,
    and the order matters (ids of events, a table passed from one party to the next): each
    write here starts only once the one before it has returned all it wrote. Built once per
    shape; values are bound by name (`w<number>_<column>`).
    """
    last: CTE | None = None
    for number, (verb, table_name, names, key_column) in enumerate(shape):
        table = orm.metadata.tables[table_name]
        after: ColumnElement[bool] = true()
        if last is not None:
            after = select(func.count()).select_from(last).scalar_subquery() >= literal_column("0")
        write: Insert | Update
        if verb == "update":
            key = bindparam(f"w{number}_key", type_=table.c[key_column].type)
            values = {n: _value(table, number, n) for n in names}
            write = update(table).where(table.c[key_column] == key, after).values(values)
        else:
            row = select(*[_value(table, number, n) for n in names]).where(after)
            write = insert(table).from_select(list(names), row)
            if verb == "upsert":
                keys = [c.name for c in table.primary_key]
                excluded = write.excluded
                write = write.on_conflict_do_update(
                    index_elements=keys, set_={n: excluded[n] for n in names if n not in keys}
                )
        last = write.returning(literal_column("1")).cte(f"write_{number}")
    assert last is not None
    return select(func.count()).select_from(last)


def _value(table: SqlTable, number: int, name: str) -> ColumnElement[Any]:
    column = table.c[name]
    if isinstance(column.type, JSONB):  # given as JSON text, serialized once by pydantic
        return cast(bindparam(f"w{number}_{name}", type_=Text), JSONB)
    value: BindParameter[Any] = bindparam(f"w{number}_{name}", type_=column.type)
    return value
