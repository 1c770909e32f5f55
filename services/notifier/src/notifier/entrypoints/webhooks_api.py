"""Webhook registration by a restaurant's owners; the use case checks the URL against SSRF."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from maitred_platform.access import require_staff
from maitred_platform.deps import CurrentStaff
from notifier.entrypoints.deps import ContextDep, UnitOfWorkDep
from notifier.service import webhooks

router = APIRouter()


class WebhookRequest(BaseModel):
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=100)


@router.post("/restaurants/{restaurant_id}/webhooks", status_code=201)
async def register_webhook(
    restaurant_id: uuid.UUID,
    body: WebhookRequest,
    staff: CurrentStaff,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    registered = await webhooks.register(
        uow, ctx, restaurant_id=restaurant_id, url=body.url, event_types=body.event_types
    )
    # The secret is shown this once; it is kept sealed and never listed again.
    return {
        **asdict(registered.webhook),
        "restaurant_id": restaurant_id,
        "secret": registered.secret,
    }


@router.get("/restaurants/{restaurant_id}/webhooks")
async def list_webhooks(
    restaurant_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    return {"items": [asdict(w) for w in await webhooks.list_for(uow, restaurant_id)]}


@router.delete("/restaurants/{restaurant_id}/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(
    restaurant_id: uuid.UUID, webhook_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep
) -> Response:
    require_staff(staff, restaurant_id, role="owner")
    await webhooks.remove(uow, restaurant_id, webhook_id)
    return Response(status_code=204)
