"""Messages of a diner's waitlist journey: joined, called, heads-up, requeued, no-show, left."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import (
    CloudEvent,
    PartyCalled,
    PartyCheckedIn,
    PartyHeadsUp,
    PartyJoined,
    PartyLeft,
    PartyNoShow,
    PartyRequeued,
)
from notifier.adapters.orm import contacts
from notifier.domain.local_time import hour_minute
from notifier.service.context import Context
from notifier.service.notify import Recipient, notify
from notifier.service.restaurants import RestaurantProfile, load_profile, table_label


async def _touch_party(
    session: AsyncSession, party_id: uuid.UUID, sequence: int, finished: str | None = None
) -> Row[Any] | None:
    """The party's contact, its last seen sequence raised to this event's (and closed if asked)."""
    values: dict[str, Any] = {"last_sequence": func.greatest(contacts.c.last_sequence, sequence)}
    if finished:
        values["finished"] = finished
    await session.execute(
        update(contacts)
        .where(contacts.c.kind == "party", contacts.c.subject_id == party_id)
        .values(**values)
    )
    return (
        await session.execute(
            select(contacts).where(contacts.c.kind == "party", contacts.c.subject_id == party_id)
        )
    ).first()


async def _tell_party(
    session: AsyncSession,
    ctx: Context,
    event: CloudEvent,
    *,
    kind: str,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    contact: Row[Any] | None,
    context: dict[str, Any],
    restaurant: RestaurantProfile | None = None,
) -> None:
    if restaurant is None:
        restaurant = await load_profile(
            session, restaurant_id, ctx.settings.default_reminder_minutes
        )
    name = contact.name if contact is not None else ""
    await notify(
        session,
        kind=kind,
        event_id=event.id,
        restaurant=restaurant,
        recipient=Recipient(
            key=f"party:{party_id}",
            party_id=party_id,
            phone=contact.phone if contact is not None else None,
        ),
        context={
            "name": name,
            "waitlist_url": ctx.waitlist_url(restaurant_id),
            "timezone": restaurant.timezone,
            **context,
        },
        now=ctx.clock(),
    )


def _overtaken(contact: Row[Any] | None, event: CloudEvent) -> bool:
    """True when the party already left/checked in after this (late, retried) event."""
    return (
        contact is not None
        and contact.finished is not None
        and contact.last_sequence > event.sequence
    )


async def party_joined(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyJoined
) -> None:
    await session.execute(
        insert(contacts)
        .values(
            kind="party",
            subject_id=data.party_id,
            restaurant_id=data.restaurant_id,
            name=data.name,
            phone=data.phone,
            last_sequence=event.sequence,
        )
        .on_conflict_do_nothing()
    )
    contact = await _touch_party(session, data.party_id, event.sequence)
    await _tell_party(
        session,
        ctx,
        event,
        kind="waitlist_joined",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={
            "position": data.position,
            "parties_ahead": data.parties_ahead,
            "party_size": data.party_size,
            "estimated_wait_minutes": data.estimated_wait_minutes,
            "estimate_low_minutes": data.estimate_low_minutes,
            "estimate_high_minutes": data.estimate_high_minutes,
        },
    )


async def party_called(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyCalled
) -> None:
    contact = await _touch_party(session, data.party_id, event.sequence)
    if _overtaken(contact, event) or data.expires_at <= ctx.clock():
        return  # "your table is ready" after the call ended would only mislead
    restaurant = await load_profile(
        session, data.restaurant_id, ctx.settings.default_reminder_minutes
    )
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_called",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={
            "table": await table_label(session, data.table_id),
            "checkin_by": hour_minute(data.expires_at, restaurant.timezone),
            "party_size": data.party_size,
        },
        restaurant=restaurant,
    )


async def party_heads_up(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyHeadsUp
) -> None:
    contact = await _touch_party(session, data.party_id, event.sequence)
    if _overtaken(contact, event):
        return
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_heads_up",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={"minutes": data.minutes, "table": await table_label(session, data.table_id)},
    )


async def party_requeued(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyRequeued
) -> None:
    contact = await _touch_party(session, data.party_id, event.sequence)
    if _overtaken(contact, event):
        return
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_requeued",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={"position": data.position, "reason": data.reason},
    )


async def party_checked_in(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyCheckedIn
) -> None:
    contact = await _touch_party(session, data.party_id, event.sequence, finished="checked_in")
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_checked_in",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={"table": await table_label(session, data.table_id)},
    )


async def party_no_show(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyNoShow
) -> None:
    if data.requeued:  # the party is back in line: its requeued event says so
        await _touch_party(session, data.party_id, event.sequence)
        return
    contact = await _touch_party(session, data.party_id, event.sequence, finished="no_show")
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_no_show",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={},
    )


async def party_left(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: PartyLeft
) -> None:
    contact = await _touch_party(session, data.party_id, event.sequence, finished="left")
    await _tell_party(
        session,
        ctx,
        event,
        kind="party_left",
        restaurant_id=data.restaurant_id,
        party_id=data.party_id,
        contact=contact,
        context={"by": data.by},
    )
