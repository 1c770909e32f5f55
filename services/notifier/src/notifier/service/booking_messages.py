"""Messages about bookings: confirmed (with the manage link), cancelled, reminder, lookup."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import (
    CloudEvent,
    ReservationCancelled,
    ReservationCreated,
    ReservationLookupRequested,
)
from maitred_platform.credentials import unseal
from notifier.adapters.orm import contacts, scheduled_messages
from notifier.domain.local_time import day_and_time
from notifier.service.context import Context
from notifier.service.notify import Recipient, notify
from notifier.service.restaurants import RestaurantProfile, load_profile

REMINDER = "booking_reminder"


def _manage_url(ctx: Context, reservation_id: uuid.UUID, sealed: str | None) -> str | None:
    token = unseal(sealed, ctx.settings.internal_key) if sealed else None
    return ctx.manage_url(reservation_id, token)


async def _booking(session: AsyncSession, reservation_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            select(contacts).where(
                contacts.c.kind == "reservation", contacts.c.subject_id == reservation_id
            )
        )
    ).first()


def _booking_context(
    ctx: Context, restaurant: RestaurantProfile, booking: Row[Any]
) -> dict[str, Any]:
    details = dict(booking.details)
    starts_at = datetime.fromisoformat(details["starts_at"])
    return {
        "name": booking.name,
        "party_size": details.get("party_size"),
        "table": details.get("table_label"),
        "starts_at": day_and_time(starts_at, restaurant.timezone),
        "manage_url": _manage_url(ctx, booking.subject_id, details.get("manage_token_sealed")),
    }


async def _tell_booking(
    session: AsyncSession,
    ctx: Context,
    *,
    event_id: str,
    kinds: tuple[str, ...],
    booking: Row[Any],
    extra: dict[str, Any] | None = None,
) -> None:
    restaurant = await load_profile(
        session, booking.restaurant_id, ctx.settings.default_reminder_minutes
    )
    context = {**_booking_context(ctx, restaurant, booking), **(extra or {})}
    for kind in kinds:
        staff = kind.startswith("staff_")
        recipient = (
            Recipient(key=f"restaurant:{booking.restaurant_id}", reservation_id=booking.subject_id)
            if staff
            else Recipient(
                key=f"reservation:{booking.subject_id}",
                reservation_id=booking.subject_id,
                phone=booking.phone,
            )
        )
        # Staff never see a diner's manage link.
        shown = {**context, "manage_url": None} if staff else context
        await notify(
            session,
            kind=kind,
            event_id=event_id,
            restaurant=restaurant,
            recipient=recipient,
            context=shown,
            now=ctx.clock(),
        )


async def reservation_created(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: ReservationCreated
) -> None:
    details = {
        "starts_at": data.starts_at.isoformat(),
        "party_size": data.party_size,
        "table_label": data.table_label,
        "manage_token_sealed": data.manage_token_sealed,
    }
    await session.execute(
        insert(contacts)
        .values(
            kind="reservation",
            subject_id=data.reservation_id,
            restaurant_id=data.restaurant_id,
            name=data.name,
            phone=data.phone,
            details=details,
            last_sequence=event.sequence,
        )
        .on_conflict_do_nothing()
    )
    booking = await _booking(session, data.reservation_id)
    assert booking is not None
    await _tell_booking(
        session,
        ctx,
        event_id=event.id,
        kinds=("booking_confirmed", "staff_booking_created"),
        booking=booking,
    )
    await _schedule_reminder(session, ctx, data)


async def _schedule_reminder(session: AsyncSession, ctx: Context, data: ReservationCreated) -> None:
    restaurant = await load_profile(
        session, data.restaurant_id, ctx.settings.default_reminder_minutes
    )
    if restaurant.reminder_minutes <= 0:
        return
    due_at = data.starts_at - timedelta(minutes=restaurant.reminder_minutes)
    if due_at <= ctx.clock():
        return  # booked at short notice: the confirmation is the reminder
    # A cancellation that arrived first left a cancelled row: the reminder stays dropped.
    await session.execute(
        insert(scheduled_messages)
        .values(
            id=uuid.uuid4(),
            restaurant_id=data.restaurant_id,
            reservation_id=data.reservation_id,
            kind=REMINDER,
            due_at=due_at,
            status="pending",
        )
        .on_conflict_do_nothing(constraint="uq_scheduled_reservation_kind")
    )


async def reservation_cancelled(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: ReservationCancelled
) -> None:
    statement = insert(scheduled_messages).values(
        id=uuid.uuid4(),
        restaurant_id=data.restaurant_id,
        reservation_id=data.reservation_id,
        kind=REMINDER,
        status="cancelled",
    )
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_scheduled_reservation_kind",
            set_={"status": "cancelled"},
            where=scheduled_messages.c.status == "pending",
        )
    )
    booking = await _booking(session, data.reservation_id)
    if booking is None:
        return  # never heard of the booking: no one to tell
    await _tell_booking(
        session,
        ctx,
        event_id=event.id,
        kinds=("booking_cancelled", "staff_booking_cancelled"),
        booking=booking,
        extra={"cancelled_by": data.cancelled_by},
    )


async def send_reminder(
    session: AsyncSession, ctx: Context, scheduled_id: uuid.UUID, reservation_id: uuid.UUID
) -> None:
    booking = await _booking(session, reservation_id)
    if booking is None:
        return
    await _tell_booking(
        session, ctx, event_id=f"scheduled:{scheduled_id}", kinds=(REMINDER,), booking=booking
    )


async def lookup_requested(
    session: AsyncSession, ctx: Context, event: CloudEvent, data: ReservationLookupRequested
) -> None:
    if not data.reservations:
        return  # texting "nothing found" to any number typed in would be a spam vector
    restaurant = await load_profile(
        session, data.restaurant_id, ctx.settings.default_reminder_minutes
    )
    bookings = [
        {
            "starts_at": day_and_time(found.starts_at, restaurant.timezone),
            "party_size": found.party_size,
            "manage_url": _manage_url(ctx, found.reservation_id, found.manage_token_sealed),
        }
        for found in sorted(data.reservations, key=lambda r: r.starts_at)
    ]
    phone_key = hashlib.sha256(data.phone.encode()).hexdigest()[:32]
    await notify(
        session,
        kind="booking_lookup",
        event_id=event.id,
        restaurant=restaurant,
        recipient=Recipient(key=f"phone:{phone_key}", phone=data.phone),
        context={"bookings": bookings},
        now=ctx.clock(),
    )
