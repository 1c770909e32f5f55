"""The tables of each restaurant's floor in Postgres."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservations.adapters.orm import tables
from reservations.adapters.postgres_errors import UNIQUE_VIOLATION, sqlstate
from reservations.domain.errors import LabelTaken
from reservations.domain.floor import FloorTable, TableState

LIVE = tables.c.removed_at.is_(None)


def _table(row: RowMapping) -> FloorTable:
    return FloorTable(
        id=row["id"],
        restaurant_id=row["restaurant_id"],
        label=row["label"],
        capacity=row["capacity"],
        kind=row["kind"],
        section=row["section"],
        x=row["x"],
        y=row["y"],
        state=TableState(row["status"], row["party_id"], row["reservation_id"]),
    )


def _values(table: FloorTable) -> dict[str, Any]:
    return {
        "label": table.label,
        "capacity": table.capacity,
        "kind": table.kind,
        "section": table.section,
        "x": table.x,
        "y": table.y,
    }


class SqlFloor:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_all(self, new_tables: Sequence[FloorTable]) -> None:
        """Adds tables in one statement; a label already on the floor raises LabelTaken."""
        rows = [
            {"id": t.id, "restaurant_id": t.restaurant_id, "status": t.state.status, **_values(t)}
            for t in new_tables
        ]
        await self._labelled(insert(tables), rows)

    async def save(self, table: FloorTable) -> None:
        await self._labelled(update(tables).where(tables.c.id == table.id).values(**_values(table)))

    async def _labelled(
        self, statement: Executable, rows: list[dict[str, Any]] | None = None
    ) -> None:
        """Runs a write that may give a table a label; the unique index judges duplicates."""
        try:
            await self.session.execute(statement, rows)
        except IntegrityError as exc:
            if sqlstate(exc) == UNIQUE_VIOLATION:
                raise LabelTaken() from exc
            raise

    async def get(
        self, restaurant_id: uuid.UUID, table_id: uuid.UUID, *, lock: bool = False
    ) -> FloorTable | None:
        query = select(tables).where(
            tables.c.id == table_id, tables.c.restaurant_id == restaurant_id, LIVE
        )
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _table(row) if row else None

    async def on_floor(self, restaurant_id: uuid.UUID) -> list[FloorTable]:
        query = (
            select(tables)
            .where(tables.c.restaurant_id == restaurant_id, LIVE)
            .order_by(tables.c.label, tables.c.id)
        )
        return [_table(row) for row in (await self.session.execute(query)).mappings()]

    async def largest_bookable_capacity(self, restaurant_id: uuid.UUID) -> int:
        query = select(func.coalesce(func.max(tables.c.capacity), 0)).where(
            tables.c.restaurant_id == restaurant_id, tables.c.kind == "table", LIVE
        )
        return int((await self.session.execute(query)).scalar_one())

    async def save_state(self, table_id: uuid.UUID, state: TableState) -> None:
        await self.session.execute(
            update(tables)
            .where(tables.c.id == table_id)
            .values(
                status=state.status,
                party_id=state.party_id,
                reservation_id=state.reservation_id,
                status_changed_at=func.now(),
            )
        )

    async def remove(self, table_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(tables).where(tables.c.id == table_id).values(removed_at=at)
        )

    async def tables_of_party(
        self, restaurant_id: uuid.UUID, party_id: uuid.UUID
    ) -> list[FloorTable]:
        """The tables held or occupied for a waitlist party, locked."""
        query = (
            select(tables)
            .where(tables.c.restaurant_id == restaurant_id, tables.c.party_id == party_id, LIVE)
            .order_by(tables.c.id)
            .with_for_update()
        )
        return [_table(row) for row in (await self.session.execute(query)).mappings()]
