"""HTTP routes of the notifier: the staff view, settings, opt-outs; webhooks and inbound SMS.

Served under the same /v1 paths the gateway exposes, so it passes calls straight through.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from maitred_platform.access import require_staff
from maitred_platform.db import transaction
from maitred_platform.deps import CurrentStaff, SessionDep
from maitred_platform.phones import E164Phone, mask_phone
from maitred_platform.problems import Problem
from notifier.domain.rules import RULES, Channel
from notifier.domain.templates import template_problem
from notifier.entrypoints import sms_api, webhooks_api
from notifier.service import notification_log, opt_outs
from notifier.service.restaurants import load_profile, save_settings

router = APIRouter(prefix="/v1")
router.include_router(webhooks_api.router)
router.include_router(sms_api.router)


@router.get("/restaurants/{restaurant_id}/notifications")
async def list_notifications(
    restaurant_id: uuid.UUID,
    staff: CurrentStaff,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: datetime | None = None,
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    return {"items": await notification_log.recent(session, restaurant_id, limit, before)}


class TemplateOverride(BaseModel):
    title: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=2000)


class SettingsChange(BaseModel):
    reminder_minutes: int | None = Field(default=None, ge=0, le=10080)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    channels: dict[str, list[Channel] | None] | None = None
    templates: dict[str, TemplateOverride | None] | None = None


def _settings_view(profile: Any) -> dict[str, Any]:
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
    restaurant_id: uuid.UUID, staff: CurrentStaff, session: SessionDep, request: Request
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    default = request.app.state.settings.default_reminder_minutes
    return _settings_view(await load_profile(session, restaurant_id, default))


def _change_problems(change: SettingsChange) -> list[dict[str, str]]:
    errors = []
    for kind, chosen in (change.channels or {}).items():
        if kind not in RULES:
            errors.append({"field": f"channels.{kind}", "message": "unknown rule"})
        elif chosen is not None and not set(chosen) <= set(RULES[kind].allowed):
            allowed = ", ".join(RULES[kind].allowed)
            errors.append({"field": f"channels.{kind}", "message": f"allowed: {allowed}"})
    for kind, override in (change.templates or {}).items():
        if kind not in RULES:
            errors.append({"field": f"templates.{kind}", "message": "unknown rule"})
            continue
        for part in ("title", "body"):
            source = getattr(override, part, None) if override else None
            problem = template_problem(source) if source else None
            if problem:
                errors.append({"field": f"templates.{kind}.{part}", "message": problem})
    return errors


@router.patch("/restaurants/{restaurant_id}/notification-settings")
async def change_settings(
    restaurant_id: uuid.UUID, change: SettingsChange, staff: CurrentStaff, request: Request
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    errors = _change_problems(change)
    if errors:
        raise Problem(422, "The settings are not valid.", errors=errors)
    default = request.app.state.settings.default_reminder_minutes
    async with transaction(request.app.state.sessions) as session:
        profile = await load_profile(session, restaurant_id, default)
        values: dict[str, Any] = {}
        given = change.model_fields_set
        if "reminder_minutes" in given:
            values["reminder_minutes"] = change.reminder_minutes
        if "email" in given:
            values["email"] = change.email
        if change.channels is not None:
            channels = dict(profile.channels)
            for kind, chosen in change.channels.items():
                if chosen is None:
                    channels.pop(kind, None)
                else:
                    channels[kind] = list(chosen)
            values["channels"] = channels
        if change.templates is not None:
            templates = dict(profile.templates)
            for kind, override in change.templates.items():
                if override is None:
                    templates.pop(kind, None)
                else:
                    templates[kind] = override.model_dump(exclude_none=True)
            values["templates"] = templates
        if values:
            await save_settings(session, restaurant_id, values)
        profile = await load_profile(session, restaurant_id, default)
    return _settings_view(profile)


class OptOutRequest(BaseModel):
    phone: E164Phone


@router.post("/restaurants/{restaurant_id}/opt-outs", status_code=201)
async def add_opt_out(
    restaurant_id: uuid.UUID, body: OptOutRequest, staff: CurrentStaff, request: Request
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    async with transaction(request.app.state.sessions) as session:
        await opt_outs.opt_out(session, restaurant_id, body.phone, "staff")
    return {"restaurant_id": restaurant_id, "phone": mask_phone(body.phone), "source": "staff"}
