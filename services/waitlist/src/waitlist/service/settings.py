"""Changing a restaurant's waitlist settings (owners only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from waitlist.domain.settings import Settings
from waitlist.service.unit_of_work import WaitlistUnitOfWork, waitlist_to_change


async def change_settings(
    uow: WaitlistUnitOfWork, restaurant_id: uuid.UUID, changes: dict[str, Any], now: datetime
) -> tuple[Settings, int]:
    """The settings in force after the change, and the party size limit they give."""
    async with uow:
        waitlist = await waitlist_to_change(uow, restaurant_id)
        waitlist.change_settings(changes, now)
        await uow.save(waitlist, now)
        await uow.commit()
    return waitlist.settings, waitlist.queue.party_size_limit()
