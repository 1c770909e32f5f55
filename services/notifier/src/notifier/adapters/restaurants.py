"""Restaurants, tables and contacts as the notifier stores them (learnt from events)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import contacts, restaurants, tables
from notifier.domain.contacts import Contact
from notifier.domain.restaurants import RestaurantProfile


class SqlRestaurants:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(
        self, restaurant_id: uuid.UUID, default_reminder_minutes: int
    ) -> RestaurantProfile:
        row = (
            await self.session.execute(select(restaurants).where(restaurants.c.id == restaurant_id))
        ).first()
        if row is None:
            return RestaurantProfile.unknown(restaurant_id, default_reminder_minutes)
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

    async def record(
        self, restaurant_id: uuid.UUID, name: str, timezone: str, sequence: int
    ) -> None:
        statement = insert(restaurants).values(
            id=restaurant_id, name=name, timezone=timezone, config_sequence=sequence
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[restaurants.c.id],
                set_={"name": name, "timezone": timezone, "config_sequence": sequence},
                where=restaurants.c.config_sequence < sequence,
            )
        )

    async def save_settings(self, restaurant_id: uuid.UUID, changes: dict[str, Any]) -> None:
        statement = insert(restaurants).values(id=restaurant_id, **changes)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[restaurants.c.id], set_=changes)
        )

    async def record_table(self, table_id: uuid.UUID, restaurant_id: uuid.UUID, label: str) -> None:
        statement = insert(tables).values(id=table_id, restaurant_id=restaurant_id, label=label)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[tables.c.id], set_={"label": label})
        )

    async def table_label(self, table_id: uuid.UUID | None) -> str | None:
        if table_id is None:
            return None
        label: str | None = await self.session.scalar(
            select(tables.c.label).where(tables.c.id == table_id)
        )
        return label


def _contact(row: Row[Any] | None) -> Contact | None:
    if row is None:
        return None
    return Contact(
        kind=row.kind,
        subject_id=row.subject_id,
        restaurant_id=row.restaurant_id,
        name=row.name,
        phone=row.phone,
        last_sequence=row.last_sequence,
        details=dict(row.details or {}),
        finished=row.finished,
    )


class SqlContacts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, contact: Contact) -> None:
        await self.session.execute(
            insert(contacts)
            .values(
                kind=contact.kind,
                subject_id=contact.subject_id,
                restaurant_id=contact.restaurant_id,
                name=contact.name,
                phone=contact.phone,
                details=contact.details,
                last_sequence=contact.last_sequence,
                finished=contact.finished,
            )
            .on_conflict_do_nothing()
        )

    async def touch_party(
        self, party_id: uuid.UUID, sequence: int, finished: str | None = None
    ) -> Contact | None:
        values: dict[str, Any] = {
            "last_sequence": func.greatest(contacts.c.last_sequence, sequence)
        }
        if finished:
            values["finished"] = finished
        updated = await self.session.execute(
            update(contacts)
            .where(contacts.c.kind == "party", contacts.c.subject_id == party_id)
            .values(**values)
            .returning(*contacts.c)
        )
        return _contact(updated.first())

    async def booking(self, reservation_id: uuid.UUID) -> Contact | None:
        found = await self.session.execute(
            select(contacts).where(
                contacts.c.kind == "reservation", contacts.c.subject_id == reservation_id
            )
        )
        return _contact(found.first())
