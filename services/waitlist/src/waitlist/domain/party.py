"""A party on the waitlist and the statuses it moves through."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["waiting", "called", "checked_in", "completed", "left", "no_show"]
Preference = Literal["table", "counter", "any"]
Actor = Literal["diner", "staff"]

IN_QUEUE: tuple[Status, ...] = ("waiting", "called")
"""Statuses that hold a place in the queue (and a position)."""
ACTIVE: tuple[Status, ...] = ("waiting", "called", "checked_in")
"""Statuses of a party still in the restaurant's hands."""


def accepts(preference: str, table_kind: str) -> bool:
    """Whether a party with this seating preference takes a table of this kind."""
    return preference == "any" or preference == table_kind


@dataclass
class Party:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    name: str
    party_size: int
    preference: Preference
    phone: str | None
    token_hash: str
    status: Status
    # Order in the queue, kept when a party goes back to its place; positions derive from it.
    queue_order: int
    joined_at: datetime
    quoted_wait_minutes: int | None = None
    quoted_low_minutes: int | None = None
    quoted_high_minutes: int | None = None
    table_id: uuid.UUID | None = None
    called_at: datetime | None = None
    checkin_deadline: datetime | None = None
    checked_in_at: datetime | None = None
    seated_at: datetime | None = None
    expected_end_at: datetime | None = None
    ended_at: datetime | None = None
    left_by: Actor | None = None
    actual_wait_minutes: int | None = None
    passed_over: int = 0
    checkin_timeouts: int = 0
    # The table this party let go by not checking in; it is not offered that one again.
    missed_table_id: uuid.UUID | None = None
    heads_up_at: datetime | None = None

    @property
    def in_queue(self) -> bool:
        return self.status in IN_QUEUE

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def back_to_place(self) -> None:
        """Returns a called party to waiting; its queue order, hence its place, is unchanged."""
        self.status = "waiting"
        self.table_id = None
        self.called_at = None
        self.checkin_deadline = None
