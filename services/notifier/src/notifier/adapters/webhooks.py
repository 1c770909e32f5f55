"""Webhooks in Postgres: each restaurant's URLs and the event types they asked for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import webhooks
from notifier.domain.webhooks import Webhook, WebhookTarget

_SHOWN = (webhooks.c.id, webhooks.c.url, webhooks.c.event_types, webhooks.c.created_at)


def _asking_for(restaurant_id: uuid.UUID, event_type: str) -> Any:
    return select(webhooks.c.id, webhooks.c.url).where(
        webhooks.c.restaurant_id == restaurant_id, webhooks.c.event_types.any_() == event_type
    )


class SqlWebhooks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, restaurant_id: uuid.UUID, url: str, event_types: list[str], secret_sealed: str
    ) -> Webhook:
        row = (
            await self.session.execute(
                insert(webhooks)
                .values(
                    id=uuid.uuid4(),
                    restaurant_id=restaurant_id,
                    url=url,
                    event_types=event_types,
                    secret_sealed=secret_sealed,
                )
                .returning(*_SHOWN)
            )
        ).one()
        return Webhook(row.id, row.url, list(row.event_types), row.created_at)

    async def list_for(self, restaurant_id: uuid.UUID) -> list[Webhook]:
        rows = await self.session.execute(
            select(*_SHOWN)
            .where(webhooks.c.restaurant_id == restaurant_id)
            .order_by(webhooks.c.created_at)
        )
        return [Webhook(r.id, r.url, list(r.event_types), r.created_at) for r in rows]

    async def remove(self, restaurant_id: uuid.UUID, webhook_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(webhooks)
            .where(webhooks.c.id == webhook_id, webhooks.c.restaurant_id == restaurant_id)
            .returning(webhooks.c.id)
        )
        return result.first() is not None

    async def asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> list[WebhookTarget]:
        rows = await self.session.execute(_asking_for(restaurant_id, event_type))
        return [WebhookTarget(r.id, r.url) for r in rows]

    async def any_asking_for(self, restaurant_id: uuid.UUID, event_type: str) -> bool:
        found = await self.session.scalar(_asking_for(restaurant_id, event_type).limit(1))
        return found is not None
