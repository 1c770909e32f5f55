"""Messages of a diner's waitlist journey: joined, called, heads-up, requeued, no-show, left.

Each use case keeps the party's contact up to date and makes at most one message; it returns
the messages made (none when the event came too late to be worth telling).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

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
from notifier.domain.contacts import Contact
from notifier.domain.local_time import hour_minute
from notifier.domain.notifications import Notification, Recipient
from notifier.domain.restaurants import RestaurantProfile
from notifier.service.context import Context
from notifier.service.notify import notify
from notifier.service.unit_of_work import NotifierUnitOfWork


async def _tell_party(
    uow: NotifierUnitOfWork,
    ctx: Context,
    event: CloudEvent,
    *,
    kind: str,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    contact: Contact | None,
    context: dict[str, Any],
    restaurant: RestaurantProfile | None = None,
) -> list[Notification]:
    if restaurant is None:
        restaurant = await uow.restaurants.profile(
            restaurant_id, ctx.settings.default_reminder_minutes
        )
    made = await notify(
        uow,
        kind=kind,
        event_id=event.id,
        restaurant=restaurant,
        recipient=Recipient(
            key=f"party:{party_id}",
            party_id=party_id,
            phone=contact.phone if contact is not None else None,
        ),
        context={
            "name": contact.name if contact is not None else "",
            "waitlist_url": ctx.waitlist_url(restaurant_id),
            "timezone": restaurant.timezone,
            **context,
        },
        now=ctx.clock(),
    )
    return [made] if made is not None else []


def _overtaken(contact: Contact | None, event: CloudEvent) -> bool:
    return contact is not None and contact.overtaken_by(event.sequence)


async def party_joined(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyJoined
) -> list[Notification]:
    async with uow:
        await uow.contacts.add(
            Contact(
                kind="party",
                subject_id=data.party_id,
                restaurant_id=data.restaurant_id,
                name=data.name,
                phone=data.phone,
                last_sequence=event.sequence,
            )
        )
        contact = await uow.contacts.touch_party(data.party_id, event.sequence)
        made = await _tell_party(
            uow,
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
        await uow.commit()
    return made


async def party_called(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyCalled
) -> list[Notification]:
    async with uow:
        contact = await uow.contacts.touch_party(data.party_id, event.sequence)
        made: list[Notification] = []
        # "Your table is ready" after the call ended would only mislead.
        if not _overtaken(contact, event) and data.expires_at > ctx.clock():
            restaurant = await uow.restaurants.profile(
                data.restaurant_id, ctx.settings.default_reminder_minutes
            )
            made = await _tell_party(
                uow,
                ctx,
                event,
                kind="party_called",
                restaurant_id=data.restaurant_id,
                party_id=data.party_id,
                contact=contact,
                context={
                    "table": await uow.restaurants.table_label(data.table_id),
                    "checkin_by": hour_minute(data.expires_at, restaurant.timezone),
                    "party_size": data.party_size,
                },
                restaurant=restaurant,
            )
        await uow.commit()
    return made


async def party_heads_up(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyHeadsUp
) -> list[Notification]:
    async def context() -> dict[str, Any]:
        return {"minutes": data.minutes, "table": await uow.restaurants.table_label(data.table_id)}

    return await _tell_unless_overtaken(
        uow, ctx, event, "party_heads_up", data.restaurant_id, data.party_id, context
    )


async def party_requeued(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyRequeued
) -> list[Notification]:
    async def context() -> dict[str, Any]:
        return {"position": data.position, "reason": data.reason}

    return await _tell_unless_overtaken(
        uow, ctx, event, "party_requeued", data.restaurant_id, data.party_id, context
    )


async def _tell_unless_overtaken(
    uow: NotifierUnitOfWork,
    ctx: Context,
    event: CloudEvent,
    kind: str,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    context: Callable[[], Awaitable[dict[str, Any]]],
) -> list[Notification]:
    """Keeps the party's contact current and tells it, unless a later event of the party was
    applied first (the message would be stale)."""
    async with uow:
        contact = await uow.contacts.touch_party(party_id, event.sequence)
        made: list[Notification] = []
        if not _overtaken(contact, event):
            made = await _tell_party(
                uow,
                ctx,
                event,
                kind=kind,
                restaurant_id=restaurant_id,
                party_id=party_id,
                contact=contact,
                context=await context(),
            )
        await uow.commit()
    return made


async def party_checked_in(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyCheckedIn
) -> list[Notification]:
    async def context() -> dict[str, Any]:
        return {"table": await uow.restaurants.table_label(data.table_id)}

    return await _tell_finished(
        uow,
        ctx,
        event,
        "party_checked_in",
        data.restaurant_id,
        data.party_id,
        context,
        finished="checked_in",
    )


async def party_no_show(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyNoShow
) -> list[Notification]:
    if data.requeued:  # the party is back in line: its requeued event says so
        async with uow:
            await uow.contacts.touch_party(data.party_id, event.sequence)
            await uow.commit()
        return []
    return await _tell_finished(
        uow,
        ctx,
        event,
        "party_no_show",
        data.restaurant_id,
        data.party_id,
        _no_context,
        finished="no_show",
    )


async def party_left(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: PartyLeft
) -> list[Notification]:
    async def context() -> dict[str, Any]:
        return {"by": data.by}

    return await _tell_finished(
        uow, ctx, event, "party_left", data.restaurant_id, data.party_id, context, finished="left"
    )


async def _no_context() -> dict[str, Any]:
    return {}


async def _tell_finished(
    uow: NotifierUnitOfWork,
    ctx: Context,
    event: CloudEvent,
    kind: str,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    context: Callable[[], Awaitable[dict[str, Any]]],
    *,
    finished: str,
) -> list[Notification]:
    """The party's journey ended (`finished` says how): its contact is closed and it is told."""
    async with uow:
        contact = await uow.contacts.touch_party(party_id, event.sequence, finished=finished)
        made = await _tell_party(
            uow,
            ctx,
            event,
            kind=kind,
            restaurant_id=restaurant_id,
            party_id=party_id,
            contact=contact,
            context=await context(),
        )
        await uow.commit()
    return made
