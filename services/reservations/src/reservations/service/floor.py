"""Use cases of the floor: add, change and remove tables; staff move a table's status."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from maitred_platform.access import require_staff
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.domain.errors import StateConflict
from reservations.domain.events import TableAdded, TableChanged, TableRemoved, TableStatusMoved
from reservations.domain.floor import FloorTable, TableState, TableStatus, staff_move
from reservations.service.access import restaurant_or_404
from reservations.service.unit_of_work import ReservationsUnitOfWork

LAYOUT_FIELDS = ("label", "capacity", "section", "x", "y")


async def add_tables(
    uow: ReservationsUnitOfWork,
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
    async with uow:
        require_staff(principal, restaurant_id, role="owner")
        await restaurant_or_404(uow, restaurant_id)
        await uow.floor.add_all(new_tables)
        uow.add(*(TableAdded(table) for table in new_tables))
        await uow.commit()
    return new_tables


async def floor(
    uow: ReservationsUnitOfWork, principal: Principal, restaurant_id: uuid.UUID
) -> list[FloorTable]:
    async with uow:
        require_staff(principal, restaurant_id)
        await restaurant_or_404(uow, restaurant_id)
        return await uow.floor.on_floor(restaurant_id)


async def _table_or_404(
    uow: ReservationsUnitOfWork, restaurant_id: uuid.UUID, table_id: uuid.UUID
) -> FloorTable:
    table = await uow.floor.get(restaurant_id, table_id, lock=True)
    if table is None:
        raise Problem(404, "No such table.")
    return table


async def change_table(
    uow: ReservationsUnitOfWork,
    principal: Principal,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    fields: Mapping[str, Any],
) -> FloorTable:
    """Staff move the table's status and/or its layout; each change tells the others."""
    async with uow:
        require_staff(principal, restaurant_id)
        await restaurant_or_404(uow, restaurant_id)
        table = await _table_or_404(uow, restaurant_id, table_id)
        layout = {k: v for k, v in fields.items() if k in LAYOUT_FIELDS}
        laid_out = dataclasses.replace(table, **layout)
        if laid_out != table:
            await _check_capacity_keeps_bookings(uow, laid_out)
            await uow.floor.save(laid_out)
        status: TableStatus | None = fields.get("status")
        moved = staff_move(laid_out.state, status) if status else None
        result = laid_out if moved is None else dataclasses.replace(laid_out, state=moved)
        if moved is not None:
            await uow.floor.save_state(table.id, moved)
            uow.add(TableStatusMoved(result, table.state, "staff"))
        if laid_out != table:
            uow.add(TableChanged(result))
        await uow.commit()
    return result


async def _check_capacity_keeps_bookings(uow: ReservationsUnitOfWork, table: FloorTable) -> None:
    largest = await uow.bookings.largest_upcoming_party(table.id, datetime.now(UTC))
    if table.capacity < largest:
        raise StateConflict(
            f"the table has an upcoming booking for {largest}; it cannot seat fewer"
        )


async def remove_table(
    uow: ReservationsUnitOfWork,
    principal: Principal,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
) -> None:
    async with uow:
        require_staff(principal, restaurant_id, role="owner")
        await restaurant_or_404(uow, restaurant_id)
        table = await _table_or_404(uow, restaurant_id, table_id)
        now = datetime.now(UTC)
        if await uow.bookings.largest_upcoming_party(table.id, now):
            raise StateConflict("the table has upcoming bookings; move or cancel them first")
        if table.state.status in ("held", "occupied"):
            raise StateConflict(f"the table is {table.state.status}; free it first")
        await uow.floor.remove(table.id, now)
        uow.add(TableRemoved(restaurant_id, table.id))
        await uow.commit()
