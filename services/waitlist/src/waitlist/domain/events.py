"""What happens to a waitlist, in its own words: plain values the aggregate raises.

They become the versioned wire contracts once, at the edge (`adapters/event_contracts.py`),
when the unit of work writes them to the outbox with the change that raised them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from waitlist.domain.party import Actor, Preference

RequeueReason = Literal["hold_rejected", "checkin_timeout", "staff"]


@dataclass(frozen=True, slots=True)
class PartyJoined:
    """A party joined the queue, with the place and the wait it was quoted."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    name: str
    party_size: int
    preference: Preference
    phone: str | None
    position: int
    parties_ahead: int
    estimated_wait_minutes: int
    estimate_low_minutes: int
    estimate_high_minutes: int
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class PartyCalled:
    """A table is ready for the party; it must check in before `expires_at`."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    party_size: int
    called_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PartyHeadsUp:
    """The party's table is expected to free in `minutes`: time to head back."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    expected_ready_at: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class PartyCheckedIn:
    """The called party checked in; its table is expected to free at `expected_end_at`."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    checked_in_at: datetime
    expected_end_at: datetime


@dataclass(frozen=True, slots=True)
class PartySeated:
    """The party sat down at its table."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID
    seated_at: datetime


@dataclass(frozen=True, slots=True)
class PartyCompleted:
    """The party's visit is over: its quoted and actual waits."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID | None
    completed_at: datetime
    quoted_wait_minutes: int | None
    actual_wait_minutes: int | None


@dataclass(frozen=True, slots=True)
class PartyLeft:
    """The party left the list before being seated, by its own choice or the host's."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID | None
    by: Actor


@dataclass(frozen=True, slots=True)
class PartyNoShow:
    """A called party did not check in; `requeued` when it went back to its place instead."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID | None
    requeued: bool


@dataclass(frozen=True, slots=True)
class PartyRequeued:
    """A called party went back to its place in the queue."""

    party_id: uuid.UUID
    restaurant_id: uuid.UUID
    table_id: uuid.UUID | None
    reason: RequeueReason
    position: int


@dataclass(frozen=True, slots=True)
class WaitlistOpened:
    """The list takes new parties."""

    restaurant_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class WaitlistClosed:
    """The list takes no new parties; those in it stay."""

    restaurant_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One party's place in a queue snapshot."""

    party_id: uuid.UUID
    status: str
    position: int
    parties_ahead: int
    estimated_wait_minutes: int
    estimate_low_minutes: int
    estimate_high_minutes: int


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """The queue's positions and estimates after a change (sent when they moved)."""

    restaurant_id: uuid.UUID
    open: bool
    parties_waiting: int
    estimated_wait_minutes: int
    """For a party of two joining now."""
    parties: tuple[QueueEntry, ...]


WaitlistEvent = (
    PartyJoined
    | PartyCalled
    | PartyHeadsUp
    | PartyCheckedIn
    | PartySeated
    | PartyCompleted
    | PartyLeft
    | PartyNoShow
    | PartyRequeued
    | WaitlistOpened
    | WaitlistClosed
    | QueueChanged
)
