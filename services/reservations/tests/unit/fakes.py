"""The reservations unit of work in memory: the same repositories, no Postgres.

Like a transaction, a unit left without a commit leaves the repositories as they were.
The bookings repository stands in for the exclusion constraint: a booking that overlaps a
live booking of its table is not written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from maitred_messaging.unit_of_work import FakeUnitOfWork
from maitred_platform.problems import Problem
from maitred_platform.request_keys import Remembered, RequestKey
from reservations.adapters.event_contracts import to_contract
from reservations.domain.bookings import Booking, BookingStatus
from reservations.domain.errors import LabelTaken
from reservations.domain.floor import FloorTable, TableState
from reservations.domain.restaurant import Restaurant
from reservations.domain.slots import BookedSpan


class InMemory:
    """A repository whose dicts are copied at the start of a unit and put back on rollback."""

    def snapshot(self) -> dict[str, Any]:
        return {name: dict(rows) for name, rows in vars(self).items() if isinstance(rows, dict)}

    def restore(self, snapshot: dict[str, Any]) -> None:
        vars(self).update(snapshot)


class FakeRestaurants(InMemory):
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Restaurant] = {}

    async def add(self, restaurant: Restaurant) -> Restaurant:
        self.rows[restaurant.id] = restaurant
        return restaurant

    async def save(self, restaurant: Restaurant) -> Restaurant:
        self.rows[restaurant.id] = restaurant
        return restaurant

    async def get(self, restaurant_id: uuid.UUID, *, lock: bool = False) -> Restaurant | None:
        return self.rows.get(restaurant_id)

    async def page(self, limit: int, offset: int) -> list[Restaurant]:
        ordered = sorted(self.rows.values(), key=lambda r: (r.name, r.id))
        return ordered[offset : offset + limit]


class FakeFloor(InMemory):
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FloorTable] = {}  # the live tables; removing drops one

    def _check_label(self, table: FloorTable) -> None:
        for other in self.rows.values():
            same_label = other.label.lower() == table.label.lower()
            if other.restaurant_id == table.restaurant_id and other.id != table.id and same_label:
                raise LabelTaken()

    async def add_all(self, new_tables: Sequence[FloorTable]) -> None:
        for table in new_tables:
            self._check_label(table)
            self.rows[table.id] = table

    async def get(
        self, restaurant_id: uuid.UUID, table_id: uuid.UUID, *, lock: bool = False
    ) -> FloorTable | None:
        table = self.rows.get(table_id)
        return table if table is not None and table.restaurant_id == restaurant_id else None

    async def on_floor(self, restaurant_id: uuid.UUID) -> list[FloorTable]:
        found = [t for t in self.rows.values() if t.restaurant_id == restaurant_id]
        return sorted(found, key=lambda t: (t.label, t.id))

    async def largest_bookable_capacity(self, restaurant_id: uuid.UUID) -> int:
        tables = await self.on_floor(restaurant_id)
        return max((t.capacity for t in tables if t.kind == "table"), default=0)

    async def save(self, table: FloorTable) -> None:
        self._check_label(table)
        self.rows[table.id] = replace(table, state=self.rows[table.id].state)

    async def save_state(self, table_id: uuid.UUID, state: TableState) -> None:
        self.rows[table_id] = replace(self.rows[table_id], state=state)

    async def remove(self, table_id: uuid.UUID, at: datetime) -> None:
        del self.rows[table_id]

    async def tables_of_party(
        self, restaurant_id: uuid.UUID, party_id: uuid.UUID
    ) -> list[FloorTable]:
        tables = await self.on_floor(restaurant_id)
        return sorted((t for t in tables if t.state.party_id == party_id), key=lambda t: t.id)


class FakeBookings(InMemory):
    def __init__(self, floor: FakeFloor) -> None:
        self.floor = floor
        self.rows: dict[uuid.UUID, Booking] = {}
        self.tokens: dict[str, uuid.UUID] = {}  # token hash -> booking

    async def claim(self, booking: Booking) -> bool:
        if booking.table_id not in self.floor.rows:
            return False
        for other in self.rows.values():
            if (
                other.table_id == booking.table_id
                and other.status != "cancelled"
                and other.starts_at < booking.ends_at
                and booking.starts_at < other.ends_at
            ):
                return False
        self.rows[booking.id] = booking
        return True

    async def get(self, reservation_id: uuid.UUID, *, lock: bool = False) -> Booking | None:
        return self.rows.get(reservation_id)

    async def set_status(self, reservation_id: uuid.UUID, status: BookingStatus) -> None:
        self.rows[reservation_id] = replace(self.rows[reservation_id], status=status)

    async def spans(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[BookedSpan]:
        return [
            BookedSpan(b.table_id, b.starts_at, b.ends_at)
            for b in self.rows.values()
            if b.restaurant_id == restaurant_id
            and b.status != "cancelled"
            and b.starts_at < end
            and b.ends_at > start
        ]

    async def starting_between(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Booking]:
        found = [
            b
            for b in self.rows.values()
            if b.restaurant_id == restaurant_id and start <= b.starts_at < end
        ]
        return sorted(found, key=lambda b: (b.starts_at, b.table_label))

    async def table_claimed_between(
        self, table_id: uuid.UUID, start: datetime, end: datetime
    ) -> bool:
        return any(
            b.table_id == table_id
            and b.status in ("booked", "seated")
            and b.starts_at < end
            and b.ends_at > start
            for b in self.rows.values()
        )

    async def largest_upcoming_party(self, table_id: uuid.UUID, now: datetime) -> int:
        return max(
            (
                b.party_size
                for b in self.rows.values()
                if b.table_id == table_id and b.status in ("booked", "seated") and b.ends_at > now
            ),
            default=0,
        )

    async def upcoming_for_phone(
        self, restaurant_id: uuid.UUID, phone: str, now: datetime
    ) -> list[Booking]:
        found = [
            b
            for b in self.rows.values()
            if b.restaurant_id == restaurant_id
            and b.phone == phone
            and b.status == "booked"
            and b.ends_at > now
        ]
        return sorted(found, key=lambda b: b.starts_at)[:20]

    async def add_manage_token(
        self, reservation_id: uuid.UUID, token_hash: str, issued_for: str
    ) -> None:
        self.tokens[token_hash] = reservation_id

    async def booking_of_token(self, token_hash: str) -> uuid.UUID | None:
        return self.tokens.get(token_hash)


class FakeWaitlistView(InMemory):
    def __init__(self) -> None:
        self.released: dict[uuid.UUID, datetime] = {}

    async def record_release(self, party_id: uuid.UUID, at: datetime) -> None:
        earlier = self.released.get(party_id)
        self.released[party_id] = at if earlier is None else max(earlier, at)

    async def released_at(self, party_id: uuid.UUID) -> datetime | None:
        return self.released.get(party_id)


class FakeBookingKeys(InMemory):
    def __init__(self) -> None:
        # key -> (fingerprint, booking, manage token)
        self.rows: dict[str, tuple[str, uuid.UUID | None, str | None]] = {}

    async def claim(self, key: RequestKey) -> Remembered | None:
        first = self.rows.get(key.key)
        if first is None:
            self.rows[key.key] = (key.fingerprint, None, None)
            return None
        fingerprint, booking_id, token = first
        if fingerprint != key.fingerprint:
            raise Problem(422, "This Idempotency-Key was already used with a different body.")
        assert booking_id is not None
        return Remembered(booking_id, token)

    async def remember(self, key: RequestKey, booking_id: uuid.UUID, manage_token: str) -> None:
        self.rows[key.key] = (self.rows[key.key][0], booking_id, manage_token)


class FakeReservationsUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(to_contract)
        self.restaurants = FakeRestaurants()
        self.floor = FakeFloor()
        self.bookings = FakeBookings(self.floor)
        self.waitlist = FakeWaitlistView()
        self.booking_keys = FakeBookingKeys()
        self._repositories: tuple[InMemory, ...] = (
            self.restaurants,
            self.floor,
            self.bookings,
            self.waitlist,
            self.booking_keys,
        )
        self._snapshots: list[dict[str, Any]] = []

    async def _begin(self) -> None:
        self._snapshots = [repo.snapshot() for repo in self._repositories]

    async def _rollback(self) -> None:
        await super()._rollback()
        for repo, snapshot in zip(self._repositories, self._snapshots, strict=True):
            repo.restore(snapshot)
