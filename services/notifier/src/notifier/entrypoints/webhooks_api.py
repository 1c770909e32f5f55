"""Webhook registration by a restaurant's owners; the URL is checked against SSRF here."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from maitred_contracts import EVENT_TYPES
from maitred_platform.access import require_staff
from maitred_platform.db import transaction
from maitred_platform.deps import CurrentStaff, SessionDep
from maitred_platform.problems import Problem
from notifier.adapters.webhook_client import AddressRefused, check_public_host
from notifier.domain.webhooks import url_problem
from notifier.service import webhooks

router = APIRouter()


class WebhookRequest(BaseModel):
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=100)


async def _refusal(url: str, allow_private: bool) -> str | None:
    problem = url_problem(url)
    if problem or allow_private:
        return problem
    try:
        await check_public_host(url)
    except AddressRefused as exc:
        return f"refused: {exc}"
    return None


@router.post("/restaurants/{restaurant_id}/webhooks", status_code=201)
async def register_webhook(
    restaurant_id: uuid.UUID, body: WebhookRequest, staff: CurrentStaff, request: Request
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    settings = request.app.state.settings
    errors = []
    problem = await _refusal(body.url, settings.webhook_allow_private)
    if problem:
        errors.append({"field": "url", "message": problem})
    for i, event_type in enumerate(body.event_types):
        if event_type not in EVENT_TYPES:
            errors.append({"field": f"event_types.{i}", "message": "unknown event type"})
    if errors:
        raise Problem(422, "The webhook cannot be registered.", errors=errors)
    async with transaction(request.app.state.sessions) as session:
        webhook, secret = await webhooks.register(
            session,
            restaurant_id=restaurant_id,
            url=body.url,
            event_types=body.event_types,
            internal_key=settings.internal_key,
        )
    # The secret is shown this once; it is kept sealed and never listed again.
    return {**webhook, "restaurant_id": restaurant_id, "secret": secret}


@router.get("/restaurants/{restaurant_id}/webhooks")
async def list_webhooks(
    restaurant_id: uuid.UUID, staff: CurrentStaff, session: SessionDep
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    return {"items": await webhooks.list_for(session, restaurant_id)}


@router.delete("/restaurants/{restaurant_id}/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(
    restaurant_id: uuid.UUID, webhook_id: uuid.UUID, staff: CurrentStaff, request: Request
) -> Response:
    require_staff(staff, restaurant_id, role="owner")
    async with transaction(request.app.state.sessions) as session:
        if not await webhooks.remove(session, restaurant_id, webhook_id):
            raise Problem(404, "No such webhook.")
    return Response(status_code=204)
