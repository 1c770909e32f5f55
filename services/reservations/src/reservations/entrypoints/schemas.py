"""Bodies the HTTP API reads and writes (the shapes of API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from maitred_platform.phones import E164Phone
from reservations.domain.bookings import Booking
from reservations.domain.floor import FloorTable
from reservations.domain.restaurant import Restaurant
from reservations.domain.slots import Slot

HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Section = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
T = TypeVar("T")
TableStatus = Literal["available", "held", "occupied", "cleaning", "out_of_service"]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OpeningHoursIn(Body):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    opens: HourMinute
    closes: HourMinute = Field(description="At or before `opens`: closes after midnight.")


class RestaurantChanges(Body):
    name: Name | None = None
    phone: E164Phone | None = None
    timezone: str | None = Field(default=None, description="IANA name, e.g. Europe/Paris.")
    opening_hours: list[OpeningHoursIn] | None = Field(default=None, max_length=50)
    slot_minutes: int | None = Field(default=None, ge=5, le=1440)
    min_party_size: int | None = Field(default=None, ge=1, le=1000)
    max_party_size: int | None = Field(default=None, ge=1, le=1000)
    clean_after_party: bool | None = Field(
        default=None, description="A finished party's table goes to cleaning, not available."
    )

    def fields(self) -> dict[str, object]:
        given = self.model_dump(exclude_unset=True)
        return {k: v for k, v in given.items() if v is not None}


class NewRestaurant(RestaurantChanges):
    name: Name
    phone: E164Phone
    timezone: str
    opening_hours: list[OpeningHoursIn] = Field(max_length=50)
    slot_minutes: int = Field(default=60, ge=5, le=1440)

    def fields(self) -> dict[str, object]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class RestaurantOut(BaseModel):
    id: uuid.UUID
    name: str
    phone: str
    timezone: str
    opening_hours: list[dict[str, object]]
    slot_minutes: int
    min_party_size: int
    max_party_size: int
    clean_after_party: bool

    @classmethod
    def of(cls, r: Restaurant) -> RestaurantOut:
        return cls(
            id=r.id,
            name=r.name,
            phone=r.phone,
            timezone=r.timezone,
            opening_hours=[p.as_dict() for p in r.opening_hours],
            slot_minutes=r.slot_minutes,
            min_party_size=r.min_party_size,
            max_party_size=r.max_party_size,
            clean_after_party=r.clean_after_party,
        )


class NewTable(Body):
    label: Label
    capacity: int = Field(ge=1, le=100)
    kind: Literal["table", "counter"] = "table"
    section: Section | None = None
    x: float | None = None
    y: float | None = None


class TableBatch(Body):
    tables: list[NewTable] = Field(min_length=1, max_length=200)


class TableChanges(Body):
    status: TableStatus | None = None
    label: Label | None = None
    capacity: int | None = Field(default=None, ge=1, le=100)
    section: Section | None = None
    x: float | None = None
    y: float | None = None

    def fields(self) -> dict[str, object]:
        given = self.model_dump(exclude_unset=True)
        # label, capacity and status cannot be cleared; section, x and y can (null).
        return {k: v for k, v in given.items() if v is not None or k in ("section", "x", "y")}


class TableOut(BaseModel):
    id: uuid.UUID
    label: str
    capacity: int
    kind: str
    section: str | None
    x: float | None
    y: float | None
    status: str
    party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None

    @classmethod
    def of(cls, t: FloorTable) -> TableOut:
        return cls(
            id=t.id,
            label=t.label,
            capacity=t.capacity,
            kind=t.kind,
            section=t.section,
            x=t.x,
            y=t.y,
            status=t.state.status,
            party_id=t.state.party_id,
            reservation_id=t.state.reservation_id,
        )


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    table_id: uuid.UUID
    table_label: str
    capacity: int
    available: bool

    @classmethod
    def of(cls, s: Slot) -> SlotOut:
        return cls(**s.__dict__)


class NewBooking(Body):
    starts_at: AwareDatetime
    party_size: int = Field(description="1 or more; within the restaurant's limits.")
    name: Name
    phone: E164Phone
    table_id: uuid.UUID | None = None


class BookingOut(BaseModel):
    id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    table_label: str
    starts_at: datetime
    ends_at: datetime
    party_size: int
    name: str
    phone: str
    status: str

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        return cls(**{name: getattr(b, name) for name in cls.model_fields})


class BookedOut(BookingOut):
    manage_token: str = Field(description="Returned once: keep it to see or cancel the booking.")


class LookupRequest(Body):
    restaurant_id: uuid.UUID
    phone: E164Phone


class Items(BaseModel, Generic[T]):
    items: list[T]
