"""Changing a restaurant's waitlist settings (owners only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from waitlist.domain.errors import NotFound
from waitlist.domain.settings import Settings
from waitlist.service.unit import changing_waitlist


async def change_settings(
    session: AsyncSession, restaurant_id: uuid.UUID, changes: dict[str, Any], now: datetime
) -> tuple[Settings, int]:
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        if not waitlist.restaurant.known:
            raise NotFound("There is no waitlist for this restaurant.")
        waitlist.change_settings(changes, now)
    return waitlist.settings, waitlist.party_size_limit()
