"""Staff record how a booking went: seated (its table becomes occupied), completed, no-show."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.domain.bookings import Booking, BookingAction, next_status
from reservations.domain.errors import StateConflict
from reservations.domain.events import (
    BookingCompleted,
    BookingNoShow,
    BookingSeated,
    TableStatusMoved,
)
from reservations.domain.floor import TableState, booking_finished, seat_booking
from reservations.service.unit_of_work import ReservationsUnitOfWork

EVENTS: dict[BookingAction, Callable[[Booking], object]] = {
    "seat": BookingSeated,
    "complete": BookingCompleted,
    "no_show": BookingNoShow,
}


async def record(
    uow: ReservationsUnitOfWork,
    principal: Principal,
    reservation_id: uuid.UUID,
    action: BookingAction,
) -> Booking:
    async with uow:
        booking = await uow.bookings.get(reservation_id, lock=True)
        if booking is None or not principal.is_staff_of(booking.restaurant_id):
            raise Problem(404, "No such booking.")
        status = next_status(booking.status, action)
        if action == "no_show" and datetime.now(UTC) < booking.starts_at:
            raise StateConflict("a booking can be marked no-show only once its slot has started")
        if action == "seat":
            await _move_table(uow, booking, lambda state: seat_booking(state, booking.id))
        if action == "complete":
            restaurant = await uow.restaurants.get(booking.restaurant_id)
            clean = bool(restaurant and restaurant.clean_after_party)
            await _move_table(
                uow, booking, lambda state: booking_finished(state, booking.id, clean)
            )
        await uow.bookings.set_status(booking.id, status)
        uow.add(EVENTS[action](booking))
        await uow.commit()
    return replace(booking, status=status)


async def _move_table(
    uow: ReservationsUnitOfWork,
    booking: Booking,
    move: Callable[[TableState], TableState | None],
) -> None:
    table = await uow.floor.get(booking.restaurant_id, booking.table_id, lock=True)
    if table is None:
        raise StateConflict("the booking's table is no longer on the floor")
    moved = move(table.state)
    if moved is None:
        return
    await uow.floor.save_state(table.id, moved)
    uow.add(TableStatusMoved(replace(table, state=moved), table.state, "booking"))
