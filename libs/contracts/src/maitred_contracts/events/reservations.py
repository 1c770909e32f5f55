"""Events published by the reservations service: restaurants, tables (the floor), bookings."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal, Self

from pydantic import AwareDatetime, Field

from maitred_contracts.base import EventData, EventItem
from maitred_contracts.events import _samples as s
from maitred_contracts.fields import HourMinute, PartySize, Phone, TableKind, TableStatus


class OpeningHours(EventItem):
    """One opening period of a weekday, in the restaurant's local time."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    opens: HourMinute = Field(description="Local opening time, HH:MM.")
    closes: HourMinute = Field(description="Local closing time, HH:MM.")


class _Restaurant(EventData):
    aggregate: ClassVar[str] = "restaurant"
    aggregate_id_field: ClassVar[str] = "restaurant_id"

    name: str
    timezone: str = Field(description="IANA time zone name, e.g. Europe/Paris.")
    slot_minutes: int = Field(ge=1, description="Length of a booking slot, in minutes.")
    min_party_size: PartySize
    max_party_size: PartySize
    opening_hours: list[OpeningHours] = Field(description="Weekly opening periods.")

    @classmethod
    def example(cls) -> Self:
        hours = [OpeningHours(weekday=d, opens="18:30", closes="23:00") for d in range(1, 7)]
        return cls(
            restaurant_id=s.RESTAURANT_ID,
            name="Le Petit Zinc",
            timezone="Europe/Paris",
            slot_minutes=60,
            min_party_size=1,
            max_party_size=8,
            opening_hours=hours,
        )


class RestaurantCreated(_Restaurant):
    """A restaurant was created; carries its whole configuration."""

    event_type: ClassVar[str] = "reservations.restaurant.created.v1"

    created_by: uuid.UUID | None = Field(default=None, description="Staff id of the creator.")


class RestaurantUpdated(_Restaurant):
    """A restaurant's configuration changed; carries the whole new configuration."""

    event_type: ClassVar[str] = "reservations.restaurant.updated.v1"


class _TableEvent(EventData):
    aggregate: ClassVar[str] = "table"
    aggregate_id_field: ClassVar[str] = "table_id"

    table_id: uuid.UUID


class _Table(_TableEvent):
    label: str = Field(description="What staff call the table, e.g. T4 or Bar 2.")
    capacity: int = Field(ge=1, description="Seats at the table.")
    kind: TableKind
    section: str | None = Field(default=None, description="Area of the room, e.g. terrace.")
    x: float | None = Field(default=None, description="Floor-plan position, horizontal.")
    y: float | None = Field(default=None, description="Floor-plan position, vertical.")
    status: TableStatus

    @classmethod
    def example(cls) -> Self:
        return cls(
            table_id=s.TABLE_ID,
            restaurant_id=s.RESTAURANT_ID,
            label="T4",
            capacity=4,
            kind="table",
            section="terrace",
            x=3.5,
            y=1.0,
            status="available",
        )


class TableCreated(_Table):
    """A table was added to the floor."""

    event_type: ClassVar[str] = "reservations.table.created.v1"


class TableUpdated(_Table):
    """A table's settings changed; carries the whole table."""

    event_type: ClassVar[str] = "reservations.table.updated.v1"


class TableRemoved(_TableEvent):
    """A table was removed from the floor."""

    event_type: ClassVar[str] = "reservations.table.removed.v1"

    @classmethod
    def example(cls) -> Self:
        return cls(table_id=s.TABLE_ID, restaurant_id=s.RESTAURANT_ID)


class TableStatusChanged(_TableEvent):
    """A table's live status changed (e.g. it became available: the waitlist calls a party)."""

    event_type: ClassVar[str] = "reservations.table.status_changed.v1"

    capacity: int = Field(ge=1, description="Seats at the table.")
    kind: TableKind
    status: TableStatus = Field(description="The new status.")
    previous_status: TableStatus
    party_id: uuid.UUID | None = Field(default=None, description="Waitlist party at the table.")
    reservation_id: uuid.UUID | None = Field(default=None, description="Booking at the table.")
    reason: str | None = Field(default=None, description="Why, in a few words, if known.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            table_id=s.TABLE_ID,
            restaurant_id=s.RESTAURANT_ID,
            capacity=4,
            kind="table",
            status="available",
            previous_status="cleaning",
            reason="host",
        )


class TableHeld(_TableEvent):
    """The table is held for a called waitlist party until it checks in or the call ends."""

    event_type: ClassVar[str] = "reservations.table.held.v1"

    party_id: uuid.UUID

    @classmethod
    def example(cls) -> Self:
        return cls(table_id=s.TABLE_ID, restaurant_id=s.RESTAURANT_ID, party_id=s.PARTY_ID)


class TableHoldRejected(_TableEvent):
    """The table could not be held for a called party; the party returns to its place."""

    event_type: ClassVar[str] = "reservations.table.hold_rejected.v1"

    party_id: uuid.UUID
    reason: Literal["not_available", "booked_soon", "unknown_table"] = Field(
        description="not_available: no longer free; booked_soon: a booking starts too soon; "
        "unknown_table: no such table."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            table_id=s.TABLE_ID,
            restaurant_id=s.RESTAURANT_ID,
            party_id=s.PARTY_ID,
            reason="booked_soon",
        )


class _ReservationEvent(EventData):
    aggregate: ClassVar[str] = "reservation"
    aggregate_id_field: ClassVar[str] = "reservation_id"

    reservation_id: uuid.UUID
    table_id: uuid.UUID
    starts_at: AwareDatetime

    @classmethod
    def example(cls) -> Self:
        return cls(
            reservation_id=s.RESERVATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            starts_at=s.at(60),
        )


class ReservationCreated(_ReservationEvent):
    """A booking was made."""

    event_type: ClassVar[str] = "reservations.reservation.created.v1"

    table_label: str
    ends_at: AwareDatetime
    party_size: PartySize
    name: str = Field(description="Name the booking is under.")
    phone: Phone | None = Field(default=None, description="Diner's phone, E.164.")
    manage_token_sealed: str | None = Field(
        default=None, description="The booking's manage token sealed for the notifier; opaque."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            reservation_id=s.RESERVATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            table_label="T4",
            starts_at=s.at(60),
            ends_at=s.at(120),
            party_size=4,
            name="Camille",
            phone=s.PHONE,
            manage_token_sealed=s.SEALED_BLOB,
        )


class ReservationCancelled(_ReservationEvent):
    """A booking was cancelled."""

    event_type: ClassVar[str] = "reservations.reservation.cancelled.v1"

    cancelled_by: Literal["diner", "staff"]

    @classmethod
    def example(cls) -> Self:
        return cls(
            reservation_id=s.RESERVATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            starts_at=s.at(60),
            cancelled_by="diner",
        )


class ReservationSeated(_ReservationEvent):
    """The booked party arrived and was seated."""

    event_type: ClassVar[str] = "reservations.reservation.seated.v1"


class ReservationCompleted(_ReservationEvent):
    """The booked party left; the booking is over."""

    event_type: ClassVar[str] = "reservations.reservation.completed.v1"


class ReservationNoShow(_ReservationEvent):
    """The booked party did not come."""

    event_type: ClassVar[str] = "reservations.reservation.no_show.v1"


class ReservationSummary(EventItem):
    """One booking found for a phone number."""

    reservation_id: uuid.UUID
    starts_at: AwareDatetime
    party_size: PartySize
    manage_token_sealed: str | None = Field(
        default=None, description="The booking's manage token sealed for the notifier; opaque."
    )


class ReservationLookupRequested(EventData):
    """Someone asked for the bookings of a phone: the notifier sends the links to that phone.

    The list is never shown to whoever asked.
    """

    event_type: ClassVar[str] = "reservations.reservation.lookup_requested.v1"
    aggregate: ClassVar[str] = "restaurant"
    aggregate_id_field: ClassVar[str] = "restaurant_id"

    phone: Phone = Field(description="The phone to send the links to, E.164.")
    reservations: list[ReservationSummary] = Field(description="Upcoming bookings of the phone.")

    @classmethod
    def example(cls) -> Self:
        found = ReservationSummary(
            reservation_id=s.RESERVATION_ID,
            starts_at=s.at(60),
            party_size=4,
            manage_token_sealed=s.SEALED_BLOB,
        )
        return cls(restaurant_id=s.RESTAURANT_ID, phone=s.PHONE, reservations=[found])
