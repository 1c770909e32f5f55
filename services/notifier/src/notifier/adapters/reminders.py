"""Scheduled booking reminders in Postgres; due ones are taken under FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import scheduled_messages
from notifier.domain.reminders import REMINDER, DueReminder


class SqlReminders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(
        self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID, due_at: datetime
    ) -> None:
        await self.session.execute(
            insert(scheduled_messages)
            .values(
                id=uuid.uuid4(),
                restaurant_id=restaurant_id,
                reservation_id=reservation_id,
                kind=REMINDER,
                due_at=due_at,
                status="pending",
            )
            .on_conflict_do_nothing(constraint="uq_scheduled_reservation_kind")
        )

    async def cancel(self, restaurant_id: uuid.UUID, reservation_id: uuid.UUID) -> None:
        statement = insert(scheduled_messages).values(
            id=uuid.uuid4(),
            restaurant_id=restaurant_id,
            reservation_id=reservation_id,
            kind=REMINDER,
            status="cancelled",
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                constraint="uq_scheduled_reservation_kind",
                set_={"status": "cancelled"},
                where=scheduled_messages.c.status == "pending",
            )
        )

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        rows = await self.session.execute(
            select(scheduled_messages.c.id, scheduled_messages.c.reservation_id)
            .where(scheduled_messages.c.status == "pending", scheduled_messages.c.due_at <= now)
            .order_by(scheduled_messages.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [DueReminder(r.id, r.reservation_id) for r in rows]

    async def mark_sent(self, reminder_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(scheduled_messages)
            .where(scheduled_messages.c.id == reminder_id)
            .values(status="sent", sent_at=now)
        )
