"""HTTP routes of the notifier: the staff view, settings, opt-outs; webhooks and inbound SMS.

Served under the same /v1 paths the gateway exposes, so it passes calls straight through.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from maitred_platform.access import require_staff
from maitred_platform.deps import CurrentStaff
from maitred_platform.phones import E164Phone, mask_phone
from notifier.domain.restaurants import RestaurantProfile
from notifier.domain.rules import RULES, Channel
from notifier.entrypoints import sms_api, webhooks_api
from notifier.entrypoints.deps import ContextDep, UnitOfWorkDep
from notifier.service import notification_log, opt_outs, restaurants

router = APIRouter(prefix="/v1")
router.include_router(webhooks_api.router)
router.include_router(sms_api.router)


@router.get("/restaurants/{restaurant_id}/notifications")
async def list_notifications(
    restaurant_id: uuid.UUID,
    staff: CurrentStaff,
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: datetime | None = None,
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    entries = await notification_log.recent(uow, restaurant_id, limit, before)
    return {"items": [asdict(entry) for entry in entries]}


class TemplateOverride(BaseModel):
    title: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=2000)


class SettingsChange(BaseModel):
    reminder_minutes: int | None = Field(default=None, ge=0, le=10080)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    channels: dict[str, list[Channel] | None] | None = None
    templates: dict[str, TemplateOverride | None] | None = None


def _settings_view(profile: RestaurantProfile) -> dict[str, Any]:
    return {
        "reminder_minutes": profile.reminder_minutes,
        "email": profile.email,
        "channels": {
            kind: list(profile.channels.get(kind, rule.channels)) for kind, rule in RULES.items()
        },
        "allowed_channels": {kind: list(rule.allowed) for kind, rule in RULES.items()},
        "templates": profile.templates,
        "default_templates": {
            kind: {"title": rule.title, "body": rule.body} for kind, rule in RULES.items()
        },
    }


@router.get("/restaurants/{restaurant_id}/notification-settings")
async def get_settings(
    restaurant_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep, ctx: ContextDep
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    return _settings_view(await restaurants.notification_settings(uow, ctx, restaurant_id))


@router.patch("/restaurants/{restaurant_id}/notification-settings")
async def change_settings(
    restaurant_id: uuid.UUID,
    change: SettingsChange,
    staff: CurrentStaff,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    command = restaurants.SettingsChange(
        given=frozenset(change.model_fields_set),
        reminder_minutes=change.reminder_minutes,
        email=change.email,
        channels=(
            None
            if change.channels is None
            else {k: None if v is None else list(v) for k, v in change.channels.items()}
        ),
        templates=(
            None
            if change.templates is None
            else {
                k: None if v is None else v.model_dump(exclude_none=True)
                for k, v in change.templates.items()
            }
        ),
    )
    profile = await restaurants.change_settings(uow, ctx, restaurant_id, command)
    return _settings_view(profile)


class OptOutRequest(BaseModel):
    phone: E164Phone


@router.post("/restaurants/{restaurant_id}/opt-outs", status_code=201)
async def add_opt_out(
    restaurant_id: uuid.UUID, body: OptOutRequest, staff: CurrentStaff, uow: UnitOfWorkDep
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    opted_out = await opt_outs.opt_out_by_staff(uow, restaurant_id, body.phone)
    return {
        "restaurant_id": opted_out.restaurant_id,
        "phone": mask_phone(opted_out.phone),
        "source": opted_out.source,
    }
