"""Opt-outs in Postgres: a phone that must not be texted by a restaurant."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import opt_outs


class SqlOptOuts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, restaurant_id: uuid.UUID, phone: str, source: str) -> None:
        await self.session.execute(
            insert(opt_outs)
            .values(restaurant_id=restaurant_id, phone=phone, source=source)
            .on_conflict_do_nothing()
        )

    async def withdraw(self, phone: str, source: str) -> None:
        await self.session.execute(
            delete(opt_outs).where(opt_outs.c.phone == phone, opt_outs.c.source == source)
        )

    async def blocks(self, restaurant_id: uuid.UUID, phone: str) -> bool:
        found = await self.session.scalar(
            select(opt_outs.c.phone).where(
                opt_outs.c.restaurant_id == restaurant_id, opt_outs.c.phone == phone
            )
        )
        return found is not None

    async def blocked(self, phones: set[str]) -> set[tuple[uuid.UUID, str]]:
        if not phones:
            return set()
        rows = await self.session.execute(
            select(opt_outs.c.restaurant_id, opt_outs.c.phone).where(opt_outs.c.phone.in_(phones))
        )
        return {(r.restaurant_id, r.phone) for r in rows}
