"""Idempotency-Keys of joins in the waitlist's `request_keys` table (the platform's rules)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.request_keys import Remembered, RequestKey, RequestKeys
from waitlist.adapters.orm import request_keys


class JoinKeyRepository:
    def __init__(self, session: AsyncSession, sealing_key: str) -> None:
        self.session = session
        self._keys = RequestKeys(request_keys, sealing_key)

    async def claim(self, key: RequestKey) -> Remembered | None:
        return await self._keys.claim(self.session, key)

    async def remember(self, key: RequestKey, party_id: uuid.UUID, token: str) -> None:
        """The party's token is kept sealed, for a retry to get the same one."""
        await self._keys.remember(self.session, key, party_id, token)
