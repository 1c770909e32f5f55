"""Bookings and their manage tokens in Postgres; the exclusion constraint judges overlaps."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reservations.adapters.orm import manage_tokens, reservations, tables
from reservations.adapters.postgres_errors import DEADLOCK_DETECTED, EXCLUSION_VIOLATION, sqlstate
from reservations.domain.bookings import Booking, BookingStatus
from reservations.domain.slots import BookedSpan

LIVE = reservations.c.status != "cancelled"
# Bookings that still claim their table: not cancelled, not over.
UPCOMING = reservations.c.status.in_(("booked", "seated"))
CLAIM_ATTEMPTS = 5

_COLUMNS = (*reservations.c, tables.c.label.label("table_label"))
_WITH_TABLE = reservations.join(tables, tables.c.id == reservations.c.table_id)


def _booking(row: RowMapping) -> Booking:
    return Booking(
        id=row["id"],
        restaurant_id=row["restaurant_id"],
        table_id=row["table_id"],
        table_label=row["table_label"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        party_size=row["party_size"],
        name=row["name"],
        phone=row["phone"],
        status=row["status"],
    )


class SqlBookings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, booking: Booking) -> bool:
        """Writes the booking unless its table is taken for the slot (or was removed meanwhile).

        Each try is a savepoint, so a lost table leaves the transaction usable for the next
        one. Two transactions inserting overlapping rows at once each wait for the other
        under the exclusion constraint, and Postgres ends one with a deadlock error: that one
        tries again, now waiting behind the other's outcome.
        """
        for _ in range(CLAIM_ATTEMPTS):
            try:
                async with self.session.begin_nested():
                    if not await self._lock_table(booking.table_id):
                        return False
                    await self._insert(booking)
                return True
            except DBAPIError as exc:
                if sqlstate(exc) == EXCLUSION_VIOLATION:
                    return False
                if sqlstate(exc) != DEADLOCK_DETECTED:
                    raise
        return False

    async def _lock_table(self, table_id: uuid.UUID) -> bool:
        """Keeps the table from being removed or shrunk while a booking is written for it."""
        query = (
            select(tables.c.id)
            .where(tables.c.id == table_id, tables.c.removed_at.is_(None))
            .with_for_update(read=True)
        )
        return (await self.session.execute(query)).first() is not None

    async def _insert(self, booking: Booking) -> None:
        """An overlap on its table raises IntegrityError (the exclusion constraint)."""
        await self.session.execute(
            insert(reservations).values(
                id=booking.id,
                restaurant_id=booking.restaurant_id,
                table_id=booking.table_id,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                party_size=booking.party_size,
                name=booking.name,
                phone=booking.phone,
                status=booking.status,
            )
        )

    async def get(self, reservation_id: uuid.UUID, *, lock: bool = False) -> Booking | None:
        query = (
            select(*_COLUMNS).select_from(_WITH_TABLE).where(reservations.c.id == reservation_id)
        )
        if lock:
            query = query.with_for_update(of=reservations)
        row = (await self.session.execute(query)).mappings().first()
        return _booking(row) if row else None

    async def set_status(self, reservation_id: uuid.UUID, status: BookingStatus) -> None:
        await self.session.execute(
            update(reservations)
            .where(reservations.c.id == reservation_id)
            .values(status=status, status_changed_at=func.now())
        )

    async def spans(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[BookedSpan]:
        """Live bookings of the restaurant that overlap [start, end)."""
        query = select(
            reservations.c.table_id, reservations.c.starts_at, reservations.c.ends_at
        ).where(
            reservations.c.restaurant_id == restaurant_id,
            LIVE,
            reservations.c.starts_at < end,
            reservations.c.ends_at > start,
        )
        return [BookedSpan(*row) for row in (await self.session.execute(query)).all()]

    async def starting_between(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Booking]:
        query = (
            select(*_COLUMNS)
            .select_from(_WITH_TABLE)
            .where(
                reservations.c.restaurant_id == restaurant_id,
                reservations.c.starts_at >= start,
                reservations.c.starts_at < end,
            )
            .order_by(reservations.c.starts_at, tables.c.label)
        )
        return [_booking(row) for row in (await self.session.execute(query)).mappings()]

    async def table_claimed_between(
        self, table_id: uuid.UUID, start: datetime, end: datetime
    ) -> bool:
        query = select(reservations.c.id).where(
            reservations.c.table_id == table_id,
            UPCOMING,
            reservations.c.starts_at < end,
            reservations.c.ends_at > start,
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    async def largest_upcoming_party(self, table_id: uuid.UUID, now: datetime) -> int:
        query = select(func.coalesce(func.max(reservations.c.party_size), 0)).where(
            and_(reservations.c.table_id == table_id, UPCOMING, reservations.c.ends_at > now)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def upcoming_for_phone(
        self, restaurant_id: uuid.UUID, phone: str, now: datetime
    ) -> list[Booking]:
        query = (
            select(*_COLUMNS)
            .select_from(_WITH_TABLE)
            .where(
                reservations.c.restaurant_id == restaurant_id,
                reservations.c.phone == phone,
                reservations.c.status == "booked",
                reservations.c.ends_at > now,
            )
            .order_by(reservations.c.starts_at)
            .limit(20)
        )
        return [_booking(row) for row in (await self.session.execute(query)).mappings()]

    async def add_manage_token(
        self, reservation_id: uuid.UUID, token_hash: str, issued_for: str
    ) -> None:
        await self.session.execute(
            insert(manage_tokens).values(
                token_hash=token_hash, reservation_id=reservation_id, issued_for=issued_for
            )
        )

    async def booking_of_token(self, token_hash: str) -> uuid.UUID | None:
        query = select(manage_tokens.c.reservation_id).where(
            manage_tokens.c.token_hash == token_hash
        )
        return (await self.session.execute(query)).scalar_one_or_none()
