"""Routes of restaurant admin: /v1/restaurants."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from maitred_platform.deps import CurrentStaff, SessionDep
from reservations.entrypoints.schemas import Items, NewRestaurant, RestaurantChanges, RestaurantOut
from reservations.service import restaurants

router = APIRouter(prefix="/v1/restaurants", tags=["restaurants"])


@router.post("", status_code=201, response_model=RestaurantOut)
async def create_restaurant(
    body: NewRestaurant, session: SessionDep, staff: CurrentStaff
) -> RestaurantOut:
    created = await restaurants.create_restaurant(session, staff, body.fields())
    return RestaurantOut.of(created)


@router.get("", response_model=Items[RestaurantOut])
async def list_restaurants(
    session: SessionDep,
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Items[RestaurantOut]:
    found = await restaurants.restaurants(session, limit, offset)
    return Items[RestaurantOut](items=[RestaurantOut.of(r) for r in found])


@router.get("/{restaurant_id}", response_model=RestaurantOut)
async def get_restaurant(restaurant_id: uuid.UUID, session: SessionDep) -> RestaurantOut:
    return RestaurantOut.of(await restaurants.restaurant(session, restaurant_id))


@router.patch("/{restaurant_id}", response_model=RestaurantOut)
async def change_restaurant(
    restaurant_id: uuid.UUID, body: RestaurantChanges, session: SessionDep, staff: CurrentStaff
) -> RestaurantOut:
    changed = await restaurants.change_restaurant(session, staff, restaurant_id, body.fields())
    return RestaurantOut.of(changed)
