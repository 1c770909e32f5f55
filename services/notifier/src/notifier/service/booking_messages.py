"""Messages about bookings: confirmed (with the manage link), cancelled, reminder, lookup."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from maitred_contracts import (
    CloudEvent,
    ReservationCancelled,
    ReservationCreated,
    ReservationLookupRequested,
)
from maitred_platform.credentials import unseal
from notifier.domain.contacts import Contact
from notifier.domain.local_time import day_and_time
from notifier.domain.notifications import Notification, Recipient
from notifier.domain.reminders import REMINDER, reminder_due_at
from notifier.domain.restaurants import RestaurantProfile
from notifier.service.context import Context
from notifier.service.notify import notify
from notifier.service.unit_of_work import NotifierUnitOfWork


def _manage_url(ctx: Context, reservation_id: uuid.UUID, sealed: str | None) -> str | None:
    token = unseal(sealed, ctx.settings.internal_key) if sealed else None
    return ctx.manage_url(reservation_id, token)


def _booking_context(
    ctx: Context, restaurant: RestaurantProfile, booking: Contact
) -> dict[str, Any]:
    details = booking.details
    starts_at = datetime.fromisoformat(details["starts_at"])
    return {
        "name": booking.name,
        "party_size": details.get("party_size"),
        "table": details.get("table_label"),
        "starts_at": day_and_time(starts_at, restaurant.timezone),
        "manage_url": _manage_url(ctx, booking.subject_id, details.get("manage_token_sealed")),
    }


async def _tell_booking(
    uow: NotifierUnitOfWork,
    ctx: Context,
    *,
    event_id: str,
    kinds: tuple[str, ...],
    booking: Contact,
    restaurant: RestaurantProfile,
    extra: dict[str, Any] | None = None,
) -> list[Notification]:
    context = {**_booking_context(ctx, restaurant, booking), **(extra or {})}
    made = []
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
        notification = await notify(
            uow,
            kind=kind,
            event_id=event_id,
            restaurant=restaurant,
            recipient=recipient,
            context=shown,
            now=ctx.clock(),
        )
        if notification is not None:
            made.append(notification)
    return made


async def reservation_created(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: ReservationCreated
) -> list[Notification]:
    """The diner's confirmation, the staff's notice, and the reminder scheduled."""
    async with uow:
        await uow.contacts.add(
            Contact(
                kind="reservation",
                subject_id=data.reservation_id,
                restaurant_id=data.restaurant_id,
                name=data.name,
                phone=data.phone,
                last_sequence=event.sequence,
                details={
                    "starts_at": data.starts_at.isoformat(),
                    "party_size": data.party_size,
                    "table_label": data.table_label,
                    "manage_token_sealed": data.manage_token_sealed,
                },
            )
        )
        booking = await uow.contacts.booking(data.reservation_id)
        assert booking is not None
        restaurant = await uow.restaurants.profile(
            data.restaurant_id, ctx.settings.default_reminder_minutes
        )
        made = await _tell_booking(
            uow,
            ctx,
            event_id=event.id,
            kinds=("booking_confirmed", "staff_booking_created"),
            booking=booking,
            restaurant=restaurant,
        )
        due_at = reminder_due_at(data.starts_at, restaurant.reminder_minutes, ctx.clock())
        if due_at is not None:
            await uow.reminders.schedule(data.restaurant_id, data.reservation_id, due_at)
        await uow.commit()
    return made


async def reservation_cancelled(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: ReservationCancelled
) -> list[Notification]:
    async with uow:
        await uow.reminders.cancel(data.restaurant_id, data.reservation_id)
        booking = await uow.contacts.booking(data.reservation_id)
        made: list[Notification] = []
        if booking is not None:  # never heard of the booking: no one to tell
            restaurant = await uow.restaurants.profile(
                booking.restaurant_id, ctx.settings.default_reminder_minutes
            )
            made = await _tell_booking(
                uow,
                ctx,
                event_id=event.id,
                kinds=("booking_cancelled", "staff_booking_cancelled"),
                booking=booking,
                restaurant=restaurant,
                extra={"cancelled_by": data.cancelled_by},
            )
        await uow.commit()
    return made


async def send_due_reminders(
    uow: NotifierUnitOfWork, ctx: Context, batch: int = 50
) -> list[Notification]:
    """Due reminders become messages; taken under a lock another instance skips, so each
    fires once."""
    async with uow:
        made = []
        for due in await uow.reminders.due(ctx.clock(), batch):
            booking = await uow.contacts.booking(due.reservation_id)
            if booking is not None:
                restaurant = await uow.restaurants.profile(
                    booking.restaurant_id, ctx.settings.default_reminder_minutes
                )
                made += await _tell_booking(
                    uow,
                    ctx,
                    event_id=f"scheduled:{due.id}",
                    kinds=(REMINDER,),
                    booking=booking,
                    restaurant=restaurant,
                )
            await uow.reminders.mark_sent(due.id, ctx.clock())
        await uow.commit()
    return made


async def lookup_requested(
    uow: NotifierUnitOfWork, ctx: Context, event: CloudEvent, data: ReservationLookupRequested
) -> list[Notification]:
    if not data.reservations:
        return []  # texting "nothing found" to any number typed in would be a spam vector
    async with uow:
        restaurant = await uow.restaurants.profile(
            data.restaurant_id, ctx.settings.default_reminder_minutes
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
        made = await notify(
            uow,
            kind="booking_lookup",
            event_id=event.id,
            restaurant=restaurant,
            recipient=Recipient(key=f"phone:{phone_key}", phone=data.phone),
            context={"bookings": bookings},
            now=ctx.clock(),
        )
        await uow.commit()
    return [made] if made is not None else []
