"""What happened, in the restaurant's words: plain data raised by the use cases.

The unit of work turns each into its versioned wire contract at commit
(`adapters/event_contracts.py`); nothing here knows the wire format.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from reservations.domain.bookings import Booking
from reservations.domain.floor import FloorTable, TableState
from reservations.domain.restaurant import Restaurant

CancelledBy = Literal["diner", "staff"]
HoldRefusal = Literal["not_available", "booked_soon", "unknown_table"]


@dataclass(frozen=True)
class RestaurantOpened:
    restaurant: Restaurant


@dataclass(frozen=True)
class RestaurantChanged:
    restaurant: Restaurant


@dataclass(frozen=True)
class TableAdded:
    table: FloorTable


@dataclass(frozen=True)
class TableChanged:
    """Its layout changed (label, capacity, section, position); carries the whole table."""

    table: FloorTable


@dataclass(frozen=True)
class TableRemoved:
    restaurant_id: uuid.UUID
    table_id: uuid.UUID


@dataclass(frozen=True)
class TableStatusMoved:
    """`table` carries the new state; the party and booking are those now at the table."""

    table: FloorTable
    previous: TableState
    reason: str


@dataclass(frozen=True)
class TableHeldForParty:
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    party_id: uuid.UUID


@dataclass(frozen=True)
class TableHoldRefused:
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    party_id: uuid.UUID
    reason: HoldRefusal


@dataclass(frozen=True)
class BookingMade:
    booking: Booking
    manage_token_sealed: str  # the manage token, sealed for the notifier


@dataclass(frozen=True)
class BookingCancelled:
    booking: Booking
    by: CancelledBy


@dataclass(frozen=True)
class BookingSeated:
    booking: Booking


@dataclass(frozen=True)
class BookingCompleted:
    booking: Booking


@dataclass(frozen=True)
class BookingNoShow:
    booking: Booking


@dataclass(frozen=True)
class BookingLink:
    """One upcoming booking of a phone, with a fresh manage token sealed for the notifier."""

    reservation_id: uuid.UUID
    starts_at: datetime
    party_size: int
    manage_token_sealed: str


@dataclass(frozen=True)
class BookingLinksRequested:
    restaurant_id: uuid.UUID
    phone: str
    links: tuple[BookingLink, ...]
