"""What the notifier knows of a restaurant: name and time zone (from events) and its settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import restaurants, tables


@dataclass(frozen=True)
class RestaurantProfile:
    id: uuid.UUID
    name: str
    timezone: str
    reminder_minutes: int
    email: str | None = None
    channels: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)


async def load_profile(
    session: AsyncSession, restaurant_id: uuid.UUID, default_reminder_minutes: int
) -> RestaurantProfile:
    row = (
        await session.execute(select(restaurants).where(restaurants.c.id == restaurant_id))
    ).first()
    if row is None:  # settings and names not heard of yet: the defaults
        return RestaurantProfile(restaurant_id, "the restaurant", "UTC", default_reminder_minutes)
    return RestaurantProfile(
        id=restaurant_id,
        name=row.name or "the restaurant",
        timezone=row.timezone,
        reminder_minutes=(
            default_reminder_minutes if row.reminder_minutes is None else row.reminder_minutes
        ),
        email=row.email,
        channels=dict(row.channels or {}),
        templates=dict(row.templates or {}),
    )


async def record_restaurant(
    session: AsyncSession, restaurant_id: uuid.UUID, name: str, timezone: str, sequence: int
) -> None:
    """Keeps the newest name and time zone; an older event arriving late changes nothing."""
    statement = insert(restaurants).values(
        id=restaurant_id, name=name, timezone=timezone, config_sequence=sequence
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[restaurants.c.id],
            set_={"name": name, "timezone": timezone, "config_sequence": sequence},
            where=restaurants.c.config_sequence < sequence,
        )
    )


async def save_settings(
    session: AsyncSession, restaurant_id: uuid.UUID, changes: dict[str, Any]
) -> None:
    statement = insert(restaurants).values(id=restaurant_id, **changes)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[restaurants.c.id], set_=changes)
    )


async def record_table(
    session: AsyncSession, table_id: uuid.UUID, restaurant_id: uuid.UUID, label: str
) -> None:
    statement = insert(tables).values(id=table_id, restaurant_id=restaurant_id, label=label)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[tables.c.id], set_={"label": label})
    )


async def table_label(session: AsyncSession, table_id: uuid.UUID | None) -> str | None:
    if table_id is None:
        return None
    label: str | None = await session.scalar(select(tables.c.label).where(tables.c.id == table_id))
    return label
