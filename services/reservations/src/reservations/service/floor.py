"""Use cases of the floor: add, change and remove tables; staff move a table's status."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import TableRemoved
from maitred_messaging import add_event
from maitred_platform.access import require_staff
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.adapters import bookings_repo, floor_repo
from reservations.domain.errors import StateConflict
from reservations.domain.floor import FloorTable, TableState, TableStatus, staff_move
from reservations.service import events
from reservations.service.access import (
    UNIQUE_VIOLATION,
    restaurant_or_404,
    sqlstate,
)

LAYOUT_FIELDS = ("label", "capacity", "section", "x", "y")


async def add_tables(
    session: AsyncSession,
    principal: Principal,
    restaurant_id: uuid.UUID,
    specs: Sequence[Mapping[str, Any]],
) -> list[FloorTable]:
    """Adds one table or a batch: all of them, or none when one label is taken."""
    new_tables = [
        FloorTable(
            id=uuid.uuid4(),
            restaurant_id=restaurant_id,
            label=spec["label"],
            capacity=spec["capacity"],
            kind=spec.get("kind", "table"),
            section=spec.get("section"),
            x=spec.get("x"),
            y=spec.get("y"),
            state=TableState("available"),
        )
        for spec in specs
    ]
    try:
        async with session.begin():
            require_staff(principal, restaurant_id, role="owner")
            await restaurant_or_404(session, restaurant_id)
            await floor_repo.add_all(session, new_tables)
            for table in new_tables:
                await add_event(session, events.table_created(table))
    except IntegrityError as exc:
        raise _label_taken(exc) from exc
    return new_tables


def _label_taken(exc: IntegrityError) -> Exception:
    if sqlstate(exc) == UNIQUE_VIOLATION:
        return Problem(409, "A table with this label is already on the floor.")
    return exc


async def floor(
    session: AsyncSession, principal: Principal, restaurant_id: uuid.UUID
) -> list[FloorTable]:
    async with session.begin():
        require_staff(principal, restaurant_id)
        await restaurant_or_404(session, restaurant_id)
        return await floor_repo.on_floor(session, restaurant_id)


async def _table_or_404(
    session: AsyncSession, restaurant_id: uuid.UUID, table_id: uuid.UUID
) -> FloorTable:
    table = await floor_repo.get(session, restaurant_id, table_id, lock=True)
    if table is None:
        raise Problem(404, "No such table.")
    return table


async def change_table(
    session: AsyncSession,
    principal: Principal,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    fields: Mapping[str, Any],
) -> FloorTable:
    """Staff move the table's status and/or its layout; each change tells the others."""
    try:
        async with session.begin():
            require_staff(principal, restaurant_id)
            await restaurant_or_404(session, restaurant_id)
            table = await _table_or_404(session, restaurant_id, table_id)
            layout = {k: v for k, v in fields.items() if k in LAYOUT_FIELDS}
            laid_out = dataclasses.replace(table, **layout)
            if laid_out != table:
                await _check_capacity_keeps_bookings(session, laid_out)
                await floor_repo.save(session, laid_out)
            status: TableStatus | None = fields.get("status")
            moved = staff_move(laid_out.state, status) if status else None
            result = laid_out if moved is None else dataclasses.replace(laid_out, state=moved)
            if moved is not None:
                await floor_repo.save_state(session, table.id, moved)
                await add_event(session, events.status_changed(result, table.state, "staff"))
            if laid_out != table:
                await add_event(session, events.table_updated(result))
    except IntegrityError as exc:
        raise _label_taken(exc) from exc
    return result


async def _check_capacity_keeps_bookings(session: AsyncSession, table: FloorTable) -> None:
    largest = await bookings_repo.largest_upcoming_party(session, table.id, datetime.now(UTC))
    if table.capacity < largest:
        raise StateConflict(
            f"the table has an upcoming booking for {largest}; it cannot seat fewer"
        )


async def remove_table(
    session: AsyncSession, principal: Principal, restaurant_id: uuid.UUID, table_id: uuid.UUID
) -> None:
    async with session.begin():
        require_staff(principal, restaurant_id, role="owner")
        await restaurant_or_404(session, restaurant_id)
        table = await _table_or_404(session, restaurant_id, table_id)
        now = datetime.now(UTC)
        if await bookings_repo.largest_upcoming_party(session, table.id, now):
            raise StateConflict("the table has upcoming bookings; move or cancel them first")
        if table.state.status in ("held", "occupied"):
            raise StateConflict(f"the table is {table.state.status}; free it first")
        await floor_repo.remove(session, table.id, now)
        await add_event(session, TableRemoved(restaurant_id=restaurant_id, table_id=table.id))
