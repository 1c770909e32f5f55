"""Idempotency-Keys of bookings in Postgres, through the platform's request_keys table."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.request_keys import Remembered, RequestKey, RequestKeys
from reservations.adapters.orm import request_keys


class SqlBookingKeys:
    def __init__(self, session: AsyncSession, sealing_key: str) -> None:
        self.session = session
        self.keys = RequestKeys(request_keys, sealing_key)

    async def claim(self, key: RequestKey) -> Remembered | None:
        return await self.keys.claim(self.session, key)

    async def remember(self, key: RequestKey, booking_id: uuid.UUID, manage_token: str) -> None:
        await self.keys.remember(self.session, key, booking_id, manage_token)
