"""What the use cases load and save, as interfaces: Postgres (`adapters/`) and the test fakes
(`tests/unit/fakes.py`) implement the same."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from maitred_platform.request_keys import Remembered, RequestKey
from reservations.domain.bookings import Booking, BookingStatus
from reservations.domain.floor import FloorTable, TableState
from reservations.domain.restaurant import Restaurant
from reservations.domain.slots import BookedSpan


class Restaurants(Protocol):
    async def add(self, restaurant: Restaurant) -> Restaurant: ...

    async def save(self, restaurant: Restaurant) -> Restaurant: ...

    async def get(self, restaurant_id: uuid.UUID, *, lock: bool = False) -> Restaurant | None: ...

    async def page(self, limit: int, offset: int) -> list[Restaurant]: ...


class Floor(Protocol):
    """The live tables of each restaurant; a removed table is gone from every answer."""

    async def add_all(self, new_tables: Sequence[FloorTable]) -> None:
        """All or none; a label already on the floor raises `LabelTaken`."""

    async def get(
        self, restaurant_id: uuid.UUID, table_id: uuid.UUID, *, lock: bool = False
    ) -> FloorTable | None: ...

    async def on_floor(self, restaurant_id: uuid.UUID) -> list[FloorTable]: ...

    async def largest_bookable_capacity(self, restaurant_id: uuid.UUID) -> int: ...

    async def save(self, table: FloorTable) -> None:
        """Saves the layout (not the status); a label already on the floor raises `LabelTaken`."""

    async def save_state(self, table_id: uuid.UUID, state: TableState) -> None: ...

    async def remove(self, table_id: uuid.UUID, at: datetime) -> None: ...

    async def tables_of_party(
        self, restaurant_id: uuid.UUID, party_id: uuid.UUID
    ) -> list[FloorTable]:
        """The tables held or occupied for a waitlist party, locked."""
        ...


class Bookings(Protocol):
    async def claim(self, booking: Booking) -> bool:
        """Writes the booking; False when its table is taken for the slot or was removed."""
        ...

    async def get(self, reservation_id: uuid.UUID, *, lock: bool = False) -> Booking | None: ...

    async def set_status(self, reservation_id: uuid.UUID, status: BookingStatus) -> None: ...

    async def spans(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[BookedSpan]:
        """Live (not cancelled) bookings of the restaurant that overlap [start, end)."""
        ...

    async def starting_between(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Booking]: ...

    async def table_claimed_between(
        self, table_id: uuid.UUID, start: datetime, end: datetime
    ) -> bool:
        """A booked or seated booking of the table overlaps [start, end)."""
        ...

    async def largest_upcoming_party(self, table_id: uuid.UUID, now: datetime) -> int: ...

    async def upcoming_for_phone(
        self, restaurant_id: uuid.UUID, phone: str, now: datetime
    ) -> list[Booking]: ...

    async def add_manage_token(
        self, reservation_id: uuid.UUID, token_hash: str, issued_for: str
    ) -> None: ...

    async def booking_of_token(self, token_hash: str) -> uuid.UUID | None: ...


class WaitlistView(Protocol):
    """What this service remembers of waitlist parties: when each one's visit ended."""

    async def record_release(self, party_id: uuid.UUID, at: datetime) -> None: ...

    async def released_at(self, party_id: uuid.UUID) -> datetime | None: ...


class BookingKeys(Protocol):
    """Idempotency-Keys of bookings, kept in the booking's own transaction."""

    async def claim(self, key: RequestKey) -> Remembered | None:
        """None: go ahead (and `remember`); otherwise what the key's first use made."""
        ...

    async def remember(self, key: RequestKey, booking_id: uuid.UUID, manage_token: str) -> None: ...
