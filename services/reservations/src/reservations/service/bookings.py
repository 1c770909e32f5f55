"""Use cases of bookings: book, read, cancel, seat / complete / no-show, list, find by phone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import (
    ReservationCancelled,
    ReservationCreated,
    ReservationLookupRequested,
    ReservationSummary,
)
from maitred_messaging import add_event
from maitred_platform.access import require_staff
from maitred_platform.credentials import hash_token, new_token, seal
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from maitred_platform.request_keys import Remembered, RequestKey, RequestKeys
from reservations.adapters import bookings_repo, floor_repo, restaurants_repo
from reservations.adapters.orm import request_keys
from reservations.domain.bookings import Booking, check_party_size, next_status, tables_to_offer
from reservations.domain.errors import RuleViolation, StateConflict
from reservations.domain.floor import FloorTable
from reservations.domain.restaurant import Restaurant
from reservations.domain.slots import BookableTable, check_booking_start, local_day_bounds
from reservations.service.access import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    restaurant_or_404,
    sqlstate,
)

TOKEN_PREFIX = "bk"  # noqa: S105 - names the kind of token, it is no secret
Caller = Literal["diner", "staff"]
CLAIM_ATTEMPTS = 5


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
    session: AsyncSession,
    sealing_key: str,
    request: BookingRequest,
    key: RequestKey | None = None,
) -> NewBooking:
    """Books the asked table, or the smallest free one that seats the party.

    The exclusion constraint is the judge of overlaps: a table lost to a concurrent booking
    is skipped for the next fitting one, and when none is left the answer is a conflict.
    With an Idempotency-Key, a retry gets the booking its first use made, with the same token.
    """
    keys = RequestKeys(request_keys, sealing_key)
    async with session.begin():
        if key is not None and (first := await keys.claim(session, key)) is not None:
            return await _replay(session, first)
        restaurant = await restaurant_or_404(session, request.restaurant_id)
        largest = await floor_repo.largest_bookable_capacity(session, restaurant.id)
        check_party_size(
            request.party_size, restaurant.min_party_size, restaurant.max_party_size, largest
        )
        now = datetime.now(UTC)
        zone, slot = restaurant.zone, restaurant.slot_minutes
        check_booking_start(request.starts_at, zone, restaurant.opening_hours, slot, now)
        starts_at = request.starts_at.astimezone(UTC)
        ends_at = starts_at + timedelta(minutes=slot)
        candidates = await _candidates(session, restaurant, request, starts_at, ends_at)
        booking = await _first_free(session, request, candidates, starts_at, ends_at)
        if booking is None:
            raise StateConflict(
                "that table is already booked for this slot"
                if request.table_id
                else "no table that seats the party is free for the whole slot"
            )
        token = new_token(TOKEN_PREFIX)
        await bookings_repo.add_manage_token(session, booking.id, hash_token(token), "booking")
        if key is not None:
            await keys.remember(session, key, booking.id, token)
        await add_event(
            session,
            ReservationCreated(
                restaurant_id=booking.restaurant_id,
                reservation_id=booking.id,
                table_id=booking.table_id,
                table_label=booking.table_label,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                party_size=booking.party_size,
                name=booking.name,
                phone=booking.phone,
                manage_token_sealed=seal(token, sealing_key),
            ),
        )
    return NewBooking(booking, token)


async def _replay(session: AsyncSession, first: Remembered) -> NewBooking:
    booking = await bookings_repo.get(session, first.resource_id)
    if booking is None or first.secret is None:  # the key outlived its booking: no replay
        raise StateConflict("the booking made with this Idempotency-Key no longer exists")
    return NewBooking(booking, first.secret, replayed=True)


async def _candidates(
    session: AsyncSession,
    restaurant: Restaurant,
    request: BookingRequest,
    starts_at: datetime,
    ends_at: datetime,
) -> list[BookableTable]:
    if request.table_id is not None:
        table = await floor_repo.get(session, restaurant.id, request.table_id)
        if table is None:
            raise Problem(404, "No such table.")
        _check_asked_table(table, request.party_size)
        return [BookableTable(table.id, table.label, table.capacity)]
    on_floor = await floor_repo.on_floor(session, restaurant.id)
    taken = {
        s.table_id for s in await bookings_repo.spans(session, restaurant.id, starts_at, ends_at)
    }
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
    session: AsyncSession,
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
        if await _claim(session, booking):
            return booking
    return None


async def _claim(session: AsyncSession, booking: Booking) -> bool:
    """Writes the booking unless its table is taken for the slot (or was removed meanwhile).

    Two transactions inserting overlapping rows at once each wait for the other under the
    exclusion constraint, and Postgres ends one with a deadlock error: that one tries again,
    now waiting behind the other's outcome.
    """
    for _ in range(CLAIM_ATTEMPTS):
        try:
            async with session.begin_nested():
                if not await floor_repo.lock_for_booking(session, booking.table_id):
                    return False
                await bookings_repo.add(session, booking)
            return True
        except DBAPIError as exc:
            if sqlstate(exc) == EXCLUSION_VIOLATION:
                return False
            if sqlstate(exc) != DEADLOCK_DETECTED:
                raise
    return False


async def authorize(
    session: AsyncSession, booking: Booking, principal: Principal | None, token: str | None
) -> Caller:
    """Staff of the booking's restaurant, or a holder of one of its manage tokens."""
    if principal is not None and principal.is_staff_of(booking.restaurant_id):
        return "staff"
    if (
        token is not None
        and await bookings_repo.booking_of_token(session, hash_token(token)) == booking.id
    ):
        return "diner"
    if principal is None and token is None:
        raise Problem(
            401,
            "A manage token or staff credential is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise Problem(404, "No such booking.")  # never confirm a booking to the wrong holder


async def _booking_or_404(
    session: AsyncSession, reservation_id: uuid.UUID, *, lock: bool = False
) -> Booking:
    booking = await bookings_repo.get(session, reservation_id, lock=lock)
    if booking is None:
        raise Problem(404, "No such booking.")
    return booking


async def booking_for(
    session: AsyncSession, reservation_id: uuid.UUID, principal: Principal | None, token: str | None
) -> Booking:
    async with session.begin():
        booking = await _booking_or_404(session, reservation_id)
        await authorize(session, booking, principal, token)
        return booking


async def cancel(
    session: AsyncSession, reservation_id: uuid.UUID, principal: Principal | None, token: str | None
) -> Booking:
    async with session.begin():
        booking = await _booking_or_404(session, reservation_id, lock=True)
        caller = await authorize(session, booking, principal, token)
        status = next_status(booking.status, "cancel")
        await bookings_repo.set_status(session, booking.id, status)
        await add_event(
            session,
            ReservationCancelled(
                restaurant_id=booking.restaurant_id,
                reservation_id=booking.id,
                table_id=booking.table_id,
                starts_at=booking.starts_at,
                cancelled_by=caller,
            ),
        )
    return replace(booking, status=status)


async def bookings_of_day(
    session: AsyncSession, principal: Principal, restaurant_id: uuid.UUID, day: date | None
) -> list[Booking]:
    async with session.begin():
        require_staff(principal, restaurant_id)
        restaurant = await restaurant_or_404(session, restaurant_id)
        zone = restaurant.zone
        start, end = local_day_bounds(day or datetime.now(zone).date(), zone)
        return await bookings_repo.starting_between(session, restaurant_id, start, end)


async def send_links(
    session: AsyncSession, sealing_key: str, restaurant_id: uuid.UUID, phone: str
) -> None:
    """ "My bookings by phone": fresh manage links go to that phone; nothing is shown here.

    Tokens are kept only hashed, so each found booking gets a new token; the earlier ones
    stay valid. Nothing is sent when the phone has no upcoming booking.
    """
    async with session.begin():
        if await restaurants_repo.get(session, restaurant_id) is None:
            return
        found = await bookings_repo.upcoming_for_phone(
            session, restaurant_id, phone, datetime.now(UTC)
        )
        if not found:
            return
        summaries = []
        for booking in found:
            token = new_token(TOKEN_PREFIX)
            await bookings_repo.add_manage_token(session, booking.id, hash_token(token), "lookup")
            summaries.append(
                ReservationSummary(
                    reservation_id=booking.id,
                    starts_at=booking.starts_at,
                    party_size=booking.party_size,
                    manage_token_sealed=seal(token, sealing_key),
                )
            )
        await add_event(
            session,
            ReservationLookupRequested(
                restaurant_id=restaurant_id, phone=phone, reservations=summaries
            ),
        )


async def booking_of_token(session: AsyncSession, token: str) -> Booking | None:
    async with session.begin():
        reservation_id = await bookings_repo.booking_of_token(session, hash_token(token))
        return None if reservation_id is None else await bookings_repo.get(session, reservation_id)
