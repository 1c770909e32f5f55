"""Staff record how a booking went: seated (its table becomes occupied), completed, no-show."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import ReservationCompleted, ReservationNoShow, ReservationSeated
from maitred_messaging import add_event
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.adapters import bookings_repo, floor_repo, restaurants_repo
from reservations.domain.bookings import Booking, BookingAction, next_status
from reservations.domain.errors import StateConflict
from reservations.domain.floor import TableState, booking_finished, seat_booking
from reservations.service import events

EVENTS = {
    "seat": ReservationSeated,
    "complete": ReservationCompleted,
    "no_show": ReservationNoShow,
}


async def record(
    session: AsyncSession, principal: Principal, reservation_id: uuid.UUID, action: BookingAction
) -> Booking:
    async with session.begin():
        booking = await bookings_repo.get(session, reservation_id, lock=True)
        if booking is None or not principal.is_staff_of(booking.restaurant_id):
            raise Problem(404, "No such booking.")
        status = next_status(booking.status, action)
        if action == "no_show" and datetime.now(UTC) < booking.starts_at:
            raise StateConflict("a booking can be marked no-show only once its slot has started")
        if action == "seat":
            await _move_table(session, booking, lambda state: seat_booking(state, booking.id))
        if action == "complete":
            restaurant = await restaurants_repo.get(session, booking.restaurant_id)
            clean = bool(restaurant and restaurant.clean_after_party)
            await _move_table(
                session, booking, lambda state: booking_finished(state, booking.id, clean)
            )
        await bookings_repo.set_status(session, booking.id, status)
        await add_event(
            session,
            EVENTS[action](
                restaurant_id=booking.restaurant_id,
                reservation_id=booking.id,
                table_id=booking.table_id,
                starts_at=booking.starts_at,
            ),
        )
    return replace(booking, status=status)


async def _move_table(
    session: AsyncSession, booking: Booking, move: Callable[[TableState], TableState | None]
) -> None:
    table = await floor_repo.get(session, booking.restaurant_id, booking.table_id, lock=True)
    if table is None:
        raise StateConflict("the booking's table is no longer on the floor")
    moved = move(table.state)
    if moved is None:
        return
    await floor_repo.save_state(session, table.id, moved)
    await add_event(
        session, events.status_changed(replace(table, state=moved), table.state, "booking")
    )
