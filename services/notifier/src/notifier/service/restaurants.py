"""What the notifier knows of a restaurant (from reservations events) and its own settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from maitred_contracts import (
    CloudEvent,
    RestaurantCreated,
    RestaurantUpdated,
    TableCreated,
    TableUpdated,
)
from maitred_platform.problems import Problem
from notifier.domain.restaurants import RestaurantProfile
from notifier.domain.rules import RULES
from notifier.domain.templates import template_problem
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork


async def restaurant_heard(
    uow: NotifierUnitOfWork,
    ctx: Context,
    event: CloudEvent,
    data: RestaurantCreated | RestaurantUpdated,
) -> None:
    """Keeps the newest name and time zone; an older event arriving late changes nothing."""
    async with uow:
        await uow.restaurants.record(data.restaurant_id, data.name, data.timezone, event.sequence)
        await uow.commit()


async def table_heard(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: TableCreated | TableUpdated
) -> None:
    """Table labels, so "your table is ready" can name the table."""
    async with uow:
        await uow.restaurants.record_table(data.table_id, data.restaurant_id, data.label)
        await uow.commit()


async def notification_settings(
    uow: NotifierUnitOfWork, ctx: Context, restaurant_id: uuid.UUID
) -> RestaurantProfile:
    async with uow:
        return await uow.restaurants.profile(restaurant_id, ctx.settings.default_reminder_minutes)


@dataclass(frozen=True)
class SettingsChange:
    """An owner's change; only the fields in `given` change (None resets those that allow it)."""

    given: frozenset[str]
    reminder_minutes: int | None = None
    email: str | None = None
    # rule -> its channels, or None to go back to the rule's default
    channels: dict[str, list[str] | None] | None = None
    # rule -> {title?, body?}, or None to go back to the default words
    templates: dict[str, dict[str, str] | None] | None = field(default=None)


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
            source = (override or {}).get(part)
            problem = template_problem(source) if source else None
            if problem:
                errors.append({"field": f"templates.{kind}.{part}", "message": problem})
    return errors


def _changed_values(profile: RestaurantProfile, change: SettingsChange) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "reminder_minutes" in change.given:
        values["reminder_minutes"] = change.reminder_minutes
    if "email" in change.given:
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
                templates[kind] = override
        values["templates"] = templates
    return values


async def change_settings(
    uow: NotifierUnitOfWork, ctx: Context, restaurant_id: uuid.UUID, change: SettingsChange
) -> RestaurantProfile:
    """422 for an unknown rule, a channel the rule cannot use, a template that does not compile."""
    errors = _change_problems(change)
    if errors:
        raise Problem(422, "The settings are not valid.", errors=errors)
    default = ctx.settings.default_reminder_minutes
    async with uow:
        profile = await uow.restaurants.profile(restaurant_id, default)
        values = _changed_values(profile, change)
        if values:
            await uow.restaurants.save_settings(restaurant_id, values)
            profile = await uow.restaurants.profile(restaurant_id, default)
        await uow.commit()
    return profile
