"""Routes of the floor: /v1/restaurants/{rid}/tables and /v1/restaurants/{rid}/slots."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Query, Response

from maitred_platform.deps import CurrentStaff
from maitred_platform.problems import Problem
from reservations.entrypoints.deps import UnitOfWorkDep
from reservations.entrypoints.schemas import (
    Items,
    NewTable,
    SlotOut,
    TableBatch,
    TableChanges,
    TableOut,
)
from reservations.entrypoints.slots_json import slots_json
from reservations.service import availability, floor

router = APIRouter(prefix="/v1/restaurants/{restaurant_id}", tags=["floor"])


@router.post("/tables", status_code=201, response_model=TableOut)
async def add_table(
    restaurant_id: uuid.UUID, body: NewTable, uow: UnitOfWorkDep, staff: CurrentStaff
) -> TableOut:
    [added] = await floor.add_tables(uow, staff, restaurant_id, [body.model_dump()])
    return TableOut.of(added)


@router.post("/tables/batch", status_code=201, response_model=Items[TableOut])
async def add_tables(
    restaurant_id: uuid.UUID, body: TableBatch, uow: UnitOfWorkDep, staff: CurrentStaff
) -> Items[TableOut]:
    specs = [t.model_dump() for t in body.tables]
    added = await floor.add_tables(uow, staff, restaurant_id, specs)
    return Items[TableOut](items=[TableOut.of(t) for t in added])


@router.get("/tables", response_model=Items[TableOut])
async def list_tables(
    restaurant_id: uuid.UUID, uow: UnitOfWorkDep, staff: CurrentStaff
) -> Items[TableOut]:
    found = await floor.floor(uow, staff, restaurant_id)
    return Items[TableOut](items=[TableOut.of(t) for t in found])


@router.patch("/tables/{table_id}", response_model=TableOut)
async def change_table(
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    body: TableChanges,
    uow: UnitOfWorkDep,
    staff: CurrentStaff,
) -> TableOut:
    changed = await floor.change_table(uow, staff, restaurant_id, table_id, body.fields())
    return TableOut.of(changed)


@router.delete("/tables/{table_id}", status_code=204)
async def remove_table(
    restaurant_id: uuid.UUID, table_id: uuid.UUID, uow: UnitOfWorkDep, staff: CurrentStaff
) -> Response:
    await floor.remove_table(uow, staff, restaurant_id, table_id)
    return Response(status_code=204)


@router.get("/slots", response_model=Items[SlotOut])
async def list_slots(
    restaurant_id: uuid.UUID,
    uow: UnitOfWorkDep,
    day: date = Query(alias="date", description="Local date, YYYY-MM-DD."),
    party_size: int = Query(),
    available: bool = Query(default=False, description="Only the free slots."),
) -> Response:
    if day in (date.min, date.max):  # a day's slots may start the evening before
        raise Problem(
            422, "The date is out of range.", errors=[{"field": "date", "message": "out of range"}]
        )
    grid = await availability.slots_of_day(uow, restaurant_id, day, party_size)
    return Response(slots_json(grid, only_available=available), media_type="application/json")
