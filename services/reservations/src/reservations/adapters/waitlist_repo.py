"""What this service remembers of waitlist parties, in Postgres: when each one's call ended."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reservations.adapters.orm import party_releases


class SqlWaitlistView:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_release(self, party_id: uuid.UUID, at: datetime) -> None:
        statement = insert(party_releases).values(party_id=party_id, released_at=at)
        statement = statement.on_conflict_do_update(
            index_elements=[party_releases.c.party_id],
            set_={"released_at": func.greatest(party_releases.c.released_at, at)},
        )
        await self.session.execute(statement)

    async def released_at(self, party_id: uuid.UUID) -> datetime | None:
        query = select(party_releases.c.released_at).where(party_releases.c.party_id == party_id)
        return (await self.session.execute(query)).scalar_one_or_none()
