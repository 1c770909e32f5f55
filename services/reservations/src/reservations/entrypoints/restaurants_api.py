"""Routes of restaurant admin: /v1/restaurants."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from maitred_platform.deps import CurrentStaff
from reservations.entrypoints.deps import UnitOfWorkDep
from reservations.entrypoints.schemas import Items, NewRestaurant, RestaurantChanges, RestaurantOut
from reservations.service import restaurants

router = APIRouter(prefix="/v1/restaurants", tags=["restaurants"])


@router.post("", status_code=201, response_model=RestaurantOut)
async def create_restaurant(
    body: NewRestaurant, uow: UnitOfWorkDep, staff: CurrentStaff
) -> RestaurantOut:
    created = await restaurants.create_restaurant(uow, staff, body.fields())
    return RestaurantOut.of(created)


@router.get("", response_model=Items[RestaurantOut])
async def list_restaurants(
    uow: UnitOfWorkDep,
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Items[RestaurantOut]:
    found = await restaurants.restaurants(uow, limit, offset)
    return Items[RestaurantOut](items=[RestaurantOut.of(r) for r in found])


@router.get("/{restaurant_id}", response_model=RestaurantOut)
async def get_restaurant(restaurant_id: uuid.UUID, uow: UnitOfWorkDep) -> RestaurantOut:
    return RestaurantOut.of(await restaurants.restaurant(uow, restaurant_id))


@router.patch("/{restaurant_id}", response_model=RestaurantOut)
async def change_restaurant(
    restaurant_id: uuid.UUID, body: RestaurantChanges, uow: UnitOfWorkDep, staff: CurrentStaff
) -> RestaurantOut:
    changed = await restaurants.change_restaurant(uow, staff, restaurant_id, body.fields())
    return RestaurantOut.of(changed)
