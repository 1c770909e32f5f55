"""Loading and saving the tables of a restaurant's floor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from reservations.adapters.orm import tables
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


async def add_all(session: AsyncSession, new_tables: Sequence[FloorTable]) -> None:
    """Adds tables in one statement; a label already on the floor raises IntegrityError."""
    rows = [
        {
            "id": t.id,
            "restaurant_id": t.restaurant_id,
            "status": t.state.status,
            **_values(t),
        }
        for t in new_tables
    ]
    await session.execute(insert(tables), rows)


async def get(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    *,
    lock: bool = False,
) -> FloorTable | None:
    query = select(tables).where(
        tables.c.id == table_id, tables.c.restaurant_id == restaurant_id, LIVE
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return _table(row) if row else None


async def lock_for_booking(session: AsyncSession, table_id: uuid.UUID) -> bool:
    """Keeps the table from being removed or shrunk while a booking is written for it."""
    query = select(tables.c.id).where(tables.c.id == table_id, LIVE).with_for_update(read=True)
    return (await session.execute(query)).first() is not None


async def on_floor(session: AsyncSession, restaurant_id: uuid.UUID) -> list[FloorTable]:
    query = (
        select(tables)
        .where(tables.c.restaurant_id == restaurant_id, LIVE)
        .order_by(tables.c.label, tables.c.id)
    )
    return [_table(row) for row in (await session.execute(query)).mappings()]


async def largest_bookable_capacity(session: AsyncSession, restaurant_id: uuid.UUID) -> int:
    query = select(func.coalesce(func.max(tables.c.capacity), 0)).where(
        tables.c.restaurant_id == restaurant_id, tables.c.kind == "table", LIVE
    )
    return int((await session.execute(query)).scalar_one())


async def save(session: AsyncSession, table: FloorTable) -> None:
    await session.execute(update(tables).where(tables.c.id == table.id).values(**_values(table)))


async def save_state(session: AsyncSession, table_id: uuid.UUID, state: TableState) -> None:
    await session.execute(
        update(tables)
        .where(tables.c.id == table_id)
        .values(
            status=state.status,
            party_id=state.party_id,
            reservation_id=state.reservation_id,
            status_changed_at=func.now(),
        )
    )


async def remove(session: AsyncSession, table_id: uuid.UUID, at: datetime) -> None:
    await session.execute(update(tables).where(tables.c.id == table_id).values(removed_at=at))


async def tables_of_party(
    session: AsyncSession, restaurant_id: uuid.UUID, party_id: uuid.UUID
) -> list[FloorTable]:
    """The tables held or occupied for a waitlist party, locked."""
    query = (
        select(tables)
        .where(tables.c.restaurant_id == restaurant_id, tables.c.party_id == party_id, LIVE)
        .order_by(tables.c.id)
        .with_for_update()
    )
    return [_table(row) for row in (await session.execute(query)).mappings()]
