"""Use cases of bookings: book, read, cancel, list, find by phone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from maitred_platform.access import require_staff
from maitred_platform.credentials import hash_token, new_token, seal
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from maitred_platform.request_keys import Remembered, RequestKey
from reservations.domain.bookings import Booking, check_party_size, next_status, tables_to_offer
from reservations.domain.errors import RuleViolation, StateConflict
from reservations.domain.events import (
    BookingCancelled,
    BookingLink,
    BookingLinksRequested,
    BookingMade,
    CancelledBy,
)
from reservations.domain.floor import FloorTable
from reservations.domain.restaurant import Restaurant
from reservations.domain.slots import BookableTable, check_booking_start, local_day_bounds
from reservations.service.access import restaurant_or_404
from reservations.service.unit_of_work import ReservationsUnitOfWork

TOKEN_PREFIX = "bk"  # noqa: S105 - names the kind of token, it is no secret


@dataclass(frozen=True)
class NewBooking:
    booking: Booking
    manage_token: str  # given once (and to a retry with its Idempotency-Key); kept hashed
    replayed: bool = False  # the booking an earlier request with the same key made


@dataclass(frozen=True)
class BookingRequest:
    restaurant_id: uuid.UUID
    starts_at: datetime
    party_size: int
    name: str
    phone: str
    table_id: uuid.UUID | None = None


async def book(
    uow: ReservationsUnitOfWork,
    sealing_key: str,
    request: BookingRequest,
    key: RequestKey | None = None,
) -> NewBooking:
    """Books the asked table, or the smallest free one that seats the party.

    The bookings repository is the judge of overlaps (in Postgres, the exclusion
    constraint): a table lost to a concurrent booking is skipped for the next fitting one,
    and when none is left the answer is a conflict. With an Idempotency-Key, a retry gets
    the booking its first use made, with the same token.
    """
    async with uow:
        if key is not None and (first := await uow.booking_keys.claim(key)) is not None:
            replayed = await _replay(uow, first)
            await uow.commit()
            return replayed
        restaurant = await restaurant_or_404(uow, request.restaurant_id)
        largest = await uow.floor.largest_bookable_capacity(restaurant.id)
        check_party_size(
            request.party_size, restaurant.min_party_size, restaurant.max_party_size, largest
        )
        now = datetime.now(UTC)
        zone, slot = restaurant.zone, restaurant.slot_minutes
        check_booking_start(request.starts_at, zone, restaurant.opening_hours, slot, now)
        starts_at = request.starts_at.astimezone(UTC)
        ends_at = starts_at + timedelta(minutes=slot)
        candidates = await _candidates(uow, restaurant, request, starts_at, ends_at)
        booking = await _first_free(uow, request, candidates, starts_at, ends_at)
        if booking is None:
            raise StateConflict(
                "that table is already booked for this slot"
                if request.table_id
                else "no table that seats the party is free for the whole slot"
            )
        token = new_token(TOKEN_PREFIX)
        await uow.bookings.add_manage_token(booking.id, hash_token(token), "booking")
        if key is not None:
            await uow.booking_keys.remember(key, booking.id, token)
        uow.add(BookingMade(booking, seal(token, sealing_key)))
        await uow.commit()
    return NewBooking(booking, token)


async def _replay(uow: ReservationsUnitOfWork, first: Remembered) -> NewBooking:
    booking = await uow.bookings.get(first.resource_id)
    if booking is None or first.secret is None:  # the key outlived its booking: no replay
        raise StateConflict("the booking made with this Idempotency-Key no longer exists")
    return NewBooking(booking, first.secret, replayed=True)


async def _candidates(
    uow: ReservationsUnitOfWork,
    restaurant: Restaurant,
    request: BookingRequest,
    starts_at: datetime,
    ends_at: datetime,
) -> list[BookableTable]:
    if request.table_id is not None:
        table = await uow.floor.get(restaurant.id, request.table_id)
        if table is None:
            raise Problem(404, "No such table.")
        _check_asked_table(table, request.party_size)
        return [BookableTable(table.id, table.label, table.capacity)]
    on_floor = await uow.floor.on_floor(restaurant.id)
    taken = {s.table_id for s in await uow.bookings.spans(restaurant.id, starts_at, ends_at)}
    bookable = [
        BookableTable(t.id, t.label, t.capacity)
        for t in on_floor
        if t.bookable and t.id not in taken
    ]
    return tables_to_offer(bookable, request.party_size)


def _check_asked_table(table: FloorTable, party_size: int) -> None:
    if table.kind != "table":
        raise RuleViolation("counters are kept for walk-ins and cannot be booked", "table_id")
    if table.capacity < party_size:
        raise RuleViolation(f"the table seats only {table.capacity}", "table_id")
    if table.state.status == "out_of_service":
        raise StateConflict("the table is out of service")


async def _first_free(
    uow: ReservationsUnitOfWork,
    request: BookingRequest,
    candidates: list[BookableTable],
    starts_at: datetime,
    ends_at: datetime,
) -> Booking | None:
    for table in candidates:
        booking = Booking(
            id=uuid.uuid4(),
            restaurant_id=request.restaurant_id,
            table_id=table.id,
            table_label=table.label,
            starts_at=starts_at,
            ends_at=ends_at,
            party_size=request.party_size,
            name=request.name,
            phone=request.phone,
            status="booked",
        )
        if await uow.bookings.claim(booking):
            return booking
    return None


async def authorize(
    uow: ReservationsUnitOfWork, booking: Booking, principal: Principal | None, token: str | None
) -> CancelledBy:
    """Staff of the booking's restaurant, or a holder of one of its manage tokens."""
    if principal is not None and principal.is_staff_of(booking.restaurant_id):
        return "staff"
    if token is not None and await uow.bookings.booking_of_token(hash_token(token)) == booking.id:
        return "diner"
    if principal is None and token is None:
        raise Problem(
            401,
            "A manage token or staff credential is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise Problem(404, "No such booking.")  # never confirm a booking to the wrong holder


async def _booking_or_404(
    uow: ReservationsUnitOfWork, reservation_id: uuid.UUID, *, lock: bool = False
) -> Booking:
    booking = await uow.bookings.get(reservation_id, lock=lock)
    if booking is None:
        raise Problem(404, "No such booking.")
    return booking


async def booking_for(
    uow: ReservationsUnitOfWork,
    reservation_id: uuid.UUID,
    principal: Principal | None,
    token: str | None,
) -> Booking:
    async with uow:
        booking = await _booking_or_404(uow, reservation_id)
        await authorize(uow, booking, principal, token)
        return booking


async def cancel(
    uow: ReservationsUnitOfWork,
    reservation_id: uuid.UUID,
    principal: Principal | None,
    token: str | None,
) -> Booking:
    """By the diner's manage token or by the restaurant's staff; the event says which."""
    async with uow:
        booking = await _booking_or_404(uow, reservation_id, lock=True)
        caller = await authorize(uow, booking, principal, token)
        cancelled = replace(booking, status=next_status(booking.status, "cancel"))
        await uow.bookings.set_status(booking.id, cancelled.status)
        uow.add(BookingCancelled(cancelled, by=caller))
        await uow.commit()
    return cancelled


async def bookings_of_day(
    uow: ReservationsUnitOfWork, principal: Principal, restaurant_id: uuid.UUID, day: date | None
) -> list[Booking]:
    async with uow:
        require_staff(principal, restaurant_id)
        restaurant = await restaurant_or_404(uow, restaurant_id)
        zone = restaurant.zone
        bounds = local_day_bounds(day or datetime.now(zone).date(), zone)
        if bounds is None:  # the calendar's very edge: no booking can start there
            return []
        return await uow.bookings.starting_between(restaurant_id, *bounds)


async def send_links(
    uow: ReservationsUnitOfWork, sealing_key: str, restaurant_id: uuid.UUID, phone: str
) -> None:
    """ "My bookings by phone": fresh manage links go to that phone; nothing is shown here.

    Tokens are kept only hashed, so each found booking gets a new token; the earlier ones
    stay valid. Nothing is sent when the phone has no upcoming booking.
    """
    async with uow:
        if await uow.restaurants.get(restaurant_id) is None:
            return
        found = await uow.bookings.upcoming_for_phone(restaurant_id, phone, datetime.now(UTC))
        if not found:
            return
        links = []
        for booking in found:
            token = new_token(TOKEN_PREFIX)
            await uow.bookings.add_manage_token(booking.id, hash_token(token), "lookup")
            links.append(
                BookingLink(
                    reservation_id=booking.id,
                    starts_at=booking.starts_at,
                    party_size=booking.party_size,
                    manage_token_sealed=seal(token, sealing_key),
                )
            )
        uow.add(BookingLinksRequested(restaurant_id, phone, tuple(links)))
        await uow.commit()


async def booking_of_token(uow: ReservationsUnitOfWork, token: str) -> Booking | None:
    async with uow:
        reservation_id = await uow.bookings.booking_of_token(hash_token(token))
        return None if reservation_id is None else await uow.bookings.get(reservation_id)
