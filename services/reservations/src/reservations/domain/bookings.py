"""Bookings: who may book how many, which table is offered first, and the status moves."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from reservations.domain.errors import RuleViolation, StateConflict
from reservations.domain.slots import BookableTable

BookingStatus = Literal["booked", "seated", "completed", "no_show", "cancelled"]
BookingAction = Literal["seat", "complete", "no_show", "cancel"]

# action -> (the status it needs, the status it gives)
MOVES: dict[BookingAction, tuple[BookingStatus, BookingStatus]] = {
    "seat": ("booked", "seated"),
    "complete": ("seated", "completed"),
    "no_show": ("booked", "no_show"),
    "cancel": ("booked", "cancelled"),
}


@dataclass(frozen=True)
class Booking:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    table_label: str
    starts_at: datetime
    ends_at: datetime
    party_size: int
    name: str
    phone: str
    status: BookingStatus


def next_status(current: str, action: BookingAction) -> BookingStatus:
    needed, result = MOVES[action]
    if current != needed:
        verb = action.replace("_", "-")
        raise StateConflict(f"a {current} booking cannot be {_past(verb)}; it must be {needed}")
    return result


def _past(verb: str) -> str:
    return {"seat": "seated", "complete": "completed", "no-show": "marked no-show"}.get(
        verb, "cancelled"
    )


def check_party_size(
    party_size: int, min_party_size: int, max_party_size: int, largest_table: int
) -> None:
    """Refuses a party the restaurant does not take or no bookable table can seat."""
    if party_size < 1:
        raise RuleViolation("must be at least 1", "party_size")
    if party_size < min_party_size:
        raise RuleViolation(
            f"the restaurant takes parties of {min_party_size} or more", "party_size"
        )
    if party_size > max_party_size:
        raise RuleViolation(f"the restaurant takes parties of up to {max_party_size}", "party_size")
    if party_size > largest_table:
        raise RuleViolation(
            f"no table seats {party_size}; the largest seats {largest_table}", "party_size"
        )


def tables_to_offer(tables: Iterable[BookableTable], party_size: int) -> list[BookableTable]:
    """Tables that seat the party, smallest first, so large tables stay for large parties."""
    fitting = [t for t in tables if t.capacity >= party_size]
    return sorted(fitting, key=lambda t: (t.capacity, t.label))
