"""Use cases of restaurant admin: create, read, list, change."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_messaging import add_event
from maitred_platform.access import require_staff
from maitred_platform.principal import Principal
from reservations.adapters import restaurants_repo
from reservations.domain.hours import periods_from
from reservations.domain.restaurant import Restaurant
from reservations.service import events
from reservations.service.access import restaurant_or_404


def _with(restaurant: Restaurant, fields: Mapping[str, Any]) -> Restaurant:
    changes = dict(fields)
    if "opening_hours" in changes:
        changes["opening_hours"] = tuple(periods_from(changes["opening_hours"]))
    return dataclasses.replace(restaurant, **changes)


async def create_restaurant(
    session: AsyncSession, principal: Principal, fields: Mapping[str, Any]
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
    async with session.begin():
        saved = await restaurants_repo.add(session, restaurant)
        await add_event(session, events.restaurant_created(saved))
    return saved


async def change_restaurant(
    session: AsyncSession,
    principal: Principal,
    restaurant_id: uuid.UUID,
    fields: Mapping[str, Any],
) -> Restaurant:
    async with session.begin():
        require_staff(principal, restaurant_id, role="owner")
        current = await restaurant_or_404(session, restaurant_id, lock=True)
        changed = _with(current, fields)
        changed.check()
        if changed == current:
            return current
        saved = await restaurants_repo.save(session, changed)
        await add_event(session, events.restaurant_updated(saved))
    return saved


async def restaurant(session: AsyncSession, restaurant_id: uuid.UUID) -> Restaurant:
    async with session.begin():
        return await restaurant_or_404(session, restaurant_id)


async def restaurants(session: AsyncSession, limit: int, offset: int) -> list[Restaurant]:
    async with session.begin():
        return await restaurants_repo.page(session, limit, offset)
