"""Use cases of restaurant admin: create, read, list, change."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from maitred_platform.access import require_staff
from maitred_platform.principal import Principal
from reservations.domain.events import RestaurantChanged, RestaurantOpened
from reservations.domain.hours import periods_from
from reservations.domain.restaurant import Restaurant
from reservations.service.access import restaurant_or_404
from reservations.service.unit_of_work import ReservationsUnitOfWork


def _with(restaurant: Restaurant, fields: Mapping[str, Any]) -> Restaurant:
    changes = dict(fields)
    if "opening_hours" in changes:
        changes["opening_hours"] = tuple(periods_from(changes["opening_hours"]))
    return dataclasses.replace(restaurant, **changes)


async def create_restaurant(
    uow: ReservationsUnitOfWork, principal: Principal, fields: Mapping[str, Any]
) -> Restaurant:
    """Any staff member may open a restaurant; the gateway makes the creator its owner."""
    blank = Restaurant(
        id=uuid.uuid4(),
        name="",
        phone="",
        timezone="UTC",
        opening_hours=(),
        created_by=principal.staff_id,
    )
    restaurant = _with(blank, fields)
    restaurant.check()
    async with uow:
        saved = await uow.restaurants.add(restaurant)
        uow.add(RestaurantOpened(saved))
        await uow.commit()
    return saved


async def change_restaurant(
    uow: ReservationsUnitOfWork,
    principal: Principal,
    restaurant_id: uuid.UUID,
    fields: Mapping[str, Any],
) -> Restaurant:
    async with uow:
        require_staff(principal, restaurant_id, role="owner")
        current = await restaurant_or_404(uow, restaurant_id, lock=True)
        changed = _with(current, fields)
        changed.check()
        if changed == current:
            return current
        saved = await uow.restaurants.save(changed)
        uow.add(RestaurantChanged(saved))
        await uow.commit()
    return saved


async def restaurant(uow: ReservationsUnitOfWork, restaurant_id: uuid.UUID) -> Restaurant:
    async with uow:
        return await restaurant_or_404(uow, restaurant_id)


async def restaurants(uow: ReservationsUnitOfWork, limit: int, offset: int) -> list[Restaurant]:
    async with uow:
        return await uow.restaurants.page(limit, offset)
