"""The main use cases on the in-memory unit of work: what a diner or a host gets, and what is
published. No Postgres, no broker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from maitred_contracts import (
    ReservationCancelled,
    ReservationCreated,
    ReservationSeated,
    TableHeld,
    TableStatusChanged,
)
from maitred_platform.credentials import unseal
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.domain.errors import StateConflict
from reservations.domain.floor import FloorTable
from reservations.service import arrivals, bookings, floor, holds, restaurants

from .fakes import FakeReservationsUnitOfWork

SEALING_KEY = "unit-test-sealing-key"
PARIS = ZoneInfo("Europe/Paris")
EVERY_EVENING = [{"weekday": d, "opens": "12:00", "closes": "02:00"} for d in range(7)]


@dataclass
class Restaurant:
    uow: FakeReservationsUnitOfWork
    id: uuid.UUID
    owner: Principal
    tables: list[FloorTable]


async def open_restaurant(capacities: tuple[int, ...] = (2, 4, 6)) -> Restaurant:
    """A restaurant open every day 12:00-02:00 with tables T<capacity>; nothing published yet."""
    uow = FakeReservationsUnitOfWork()
    creator = Principal(uuid.uuid4())
    fields = {
        "name": "Le Petit Zinc",
        "phone": "+33142868200",
        "timezone": "Europe/Paris",
        "opening_hours": EVERY_EVENING,
    }
    created = await restaurants.create_restaurant(uow, creator, fields)
    owner = Principal(creator.staff_id, {created.id: "owner"})
    specs = [{"label": f"T{c}", "capacity": c} for c in capacities]
    tables = await floor.add_tables(uow, owner, created.id, specs)
    uow.published.clear()
    return Restaurant(uow, created.id, owner, tables)


def evening(days_ahead: int = 7, hour: int = 19) -> datetime:
    return datetime.combine(date.today() + timedelta(days=days_ahead), time(hour), tzinfo=PARIS)


def booking(place: Restaurant, party_size: int = 2, **changes: Any) -> bookings.BookingRequest:
    asked = bookings.BookingRequest(
        restaurant_id=place.id,
        starts_at=evening(),
        party_size=party_size,
        name="Camille",
        phone="+33612345678",
    )
    return replace(asked, **changes)


async def test_a_booking_takes_the_smallest_free_table_and_tells_the_notifier() -> None:
    place = await open_restaurant()

    made = await bookings.book(place.uow, SEALING_KEY, booking(place, party_size=3))

    assert made.booking.table_label == "T4"
    assert made.booking.status == "booked"
    assert made.manage_token.startswith("bk_")
    [created] = place.uow.published
    assert isinstance(created, ReservationCreated)
    assert created.reservation_id == made.booking.id
    assert (created.table_label, created.party_size, created.phone) == ("T4", 3, "+33612345678")
    assert created.ends_at - created.starts_at == timedelta(minutes=60)
    assert created.manage_token_sealed is not None
    assert unseal(created.manage_token_sealed, SEALING_KEY) == made.manage_token


async def test_the_next_party_gets_the_next_fitting_table() -> None:
    place = await open_restaurant()

    first = await bookings.book(place.uow, SEALING_KEY, booking(place))
    second = await bookings.book(place.uow, SEALING_KEY, booking(place))

    assert [first.booking.table_label, second.booking.table_label] == ["T2", "T4"]


async def test_a_booking_when_no_table_is_free_is_a_conflict_and_publishes_nothing() -> None:
    place = await open_restaurant(capacities=(2,))
    await bookings.book(place.uow, SEALING_KEY, booking(place))
    place.uow.published.clear()

    with pytest.raises(StateConflict, match="no table that seats the party is free"):
        await bookings.book(place.uow, SEALING_KEY, booking(place, phone="+33698765432"))

    assert place.uow.published == []
    assert len(place.uow.bookings.rows) == 1


async def test_booking_a_table_already_booked_for_the_slot_is_a_conflict() -> None:
    place = await open_restaurant(capacities=(2,))
    table_id = place.tables[0].id
    await bookings.book(place.uow, SEALING_KEY, booking(place, table_id=table_id))

    with pytest.raises(StateConflict, match="already booked"):
        await bookings.book(place.uow, SEALING_KEY, booking(place, table_id=table_id))

    assert place.uow.published_types() == [ReservationCreated.event_type]


async def test_the_diner_cancels_with_the_manage_token() -> None:
    place = await open_restaurant()
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    place.uow.published.clear()

    cancelled = await bookings.cancel(place.uow, made.booking.id, None, made.manage_token)

    assert cancelled.status == "cancelled"
    [event] = place.uow.published
    assert isinstance(event, ReservationCancelled)
    assert (event.reservation_id, event.cancelled_by) == (made.booking.id, "diner")
    assert (event.table_id, event.starts_at) == (made.booking.table_id, made.booking.starts_at)


async def test_staff_of_the_restaurant_cancel_without_a_token() -> None:
    place = await open_restaurant()
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    place.uow.published.clear()
    host = Principal(uuid.uuid4(), {place.id: "host"})

    cancelled = await bookings.cancel(place.uow, made.booking.id, host, None)

    assert cancelled.status == "cancelled"
    [event] = place.uow.published
    assert isinstance(event, ReservationCancelled)
    assert event.cancelled_by == "staff"


async def test_a_wrong_token_or_another_restaurants_staff_cannot_cancel() -> None:
    place = await open_restaurant()
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    place.uow.published.clear()
    stranger = Principal(uuid.uuid4(), {uuid.uuid4(): "owner"})

    for principal, token in ((None, "bk_not-the-token"), (stranger, None)):
        with pytest.raises(Problem) as refused:
            await bookings.cancel(place.uow, made.booking.id, principal, token)
        assert refused.value.status == 404

    assert place.uow.bookings.rows[made.booking.id].status == "booked"
    assert place.uow.published == []


async def test_a_cancelled_booking_cannot_be_cancelled_again() -> None:
    place = await open_restaurant()
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    await bookings.cancel(place.uow, made.booking.id, None, made.manage_token)

    with pytest.raises(StateConflict):
        await bookings.cancel(place.uow, made.booking.id, None, made.manage_token)


async def test_seating_a_booking_occupies_its_table_and_tells_both() -> None:
    place = await open_restaurant()
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    place.uow.published.clear()

    seated = await arrivals.record(place.uow, place.owner, made.booking.id, "seat")

    assert seated.status == "seated"
    table = place.uow.floor.rows[made.booking.table_id]
    assert (table.state.status, table.state.reservation_id) == ("occupied", made.booking.id)
    moved, arrived = place.uow.published
    assert isinstance(moved, TableStatusChanged)
    assert (moved.previous_status, moved.status) == ("available", "occupied")
    assert (moved.reservation_id, moved.reason) == (made.booking.id, "booking")
    assert isinstance(arrived, ReservationSeated)
    assert arrived.reservation_id == made.booking.id


async def test_a_booking_is_not_seated_at_a_table_someone_else_occupies() -> None:
    place = await open_restaurant(capacities=(2,))
    made = await bookings.book(place.uow, SEALING_KEY, booking(place))
    changes = {"status": "occupied"}
    await floor.change_table(place.uow, place.owner, place.id, made.booking.table_id, changes)
    place.uow.published.clear()

    with pytest.raises(StateConflict, match="the table is occupied"):
        await arrivals.record(place.uow, place.owner, made.booking.id, "seat")

    assert place.uow.bookings.rows[made.booking.id].status == "booked"
    assert place.uow.published == []


async def test_a_called_party_holds_a_free_table_in_the_consumers_unit_of_work() -> None:
    """As the consumer does: the unit entered, the event recorded, then the use case."""
    place = await open_restaurant(capacities=(4,))
    table, party_id = place.tables[0], uuid.uuid4()
    uow = place.uow

    async with uow:
        assert await uow.first_time("event-1", "reservations", "waitlist.party.called.v1")
        await holds.hold_for_called_party(uow, place.id, table.id, party_id, datetime.now(PARIS))
        assert uow.finished

    held = uow.floor.rows[table.id].state
    assert (held.status, held.party_id) == ("held", party_id)
    assert uow.published_types() == [TableStatusChanged.event_type, TableHeld.event_type]
