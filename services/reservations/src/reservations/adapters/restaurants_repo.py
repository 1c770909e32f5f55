"""Restaurants in Postgres."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from reservations.adapters.orm import restaurants
from reservations.domain.hours import periods_from
from reservations.domain.restaurant import Restaurant


def _restaurant(row: RowMapping) -> Restaurant:
    return Restaurant(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        timezone=row["timezone"],
        opening_hours=tuple(periods_from(row["opening_hours"])),
        slot_minutes=row["slot_minutes"],
        min_party_size=row["min_party_size"],
        max_party_size=row["max_party_size"],
        clean_after_party=row["clean_after_party"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _values(restaurant: Restaurant) -> dict[str, Any]:
    return {
        "name": restaurant.name,
        "phone": restaurant.phone,
        "timezone": restaurant.timezone,
        "opening_hours": [p.as_dict() for p in restaurant.opening_hours],
        "slot_minutes": restaurant.slot_minutes,
        "min_party_size": restaurant.min_party_size,
        "max_party_size": restaurant.max_party_size,
        "clean_after_party": restaurant.clean_after_party,
    }


class SqlRestaurants:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, restaurant: Restaurant) -> Restaurant:
        statement = (
            insert(restaurants)
            .values(id=restaurant.id, created_by=restaurant.created_by, **_values(restaurant))
            .returning(*restaurants.c)
        )
        return _restaurant((await self.session.execute(statement)).mappings().one())

    async def save(self, restaurant: Restaurant) -> Restaurant:
        statement = (
            update(restaurants)
            .where(restaurants.c.id == restaurant.id)
            .values(updated_at=func.now(), **_values(restaurant))
            .returning(*restaurants.c)
        )
        return _restaurant((await self.session.execute(statement)).mappings().one())

    async def get(self, restaurant_id: uuid.UUID, *, lock: bool = False) -> Restaurant | None:
        query = select(restaurants).where(restaurants.c.id == restaurant_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _restaurant(row) if row else None

    async def page(self, limit: int, offset: int) -> list[Restaurant]:
        query = (
            select(restaurants)
            .order_by(restaurants.c.name, restaurants.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [_restaurant(row) for row in (await self.session.execute(query)).mappings()]
