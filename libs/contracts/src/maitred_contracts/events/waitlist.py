"""Events published by the waitlist service: parties in the queue and the queue itself."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal, Self

from pydantic import AwareDatetime, Field

from maitred_contracts.base import EventData, EventItem
from maitred_contracts.events import _samples as s
from maitred_contracts.fields import (
    Actor,
    Count,
    Minutes,
    PartySize,
    Phone,
    Position,
    SeatingPreference,
)


class _PartyEvent(EventData):
    aggregate: ClassVar[str] = "party"
    aggregate_id_field: ClassVar[str] = "party_id"

    party_id: uuid.UUID


class PartyJoined(_PartyEvent):
    """A party joined the waitlist."""

    event_type: ClassVar[str] = "waitlist.party.joined.v1"

    name: str = Field(description="Name the party is called by.")
    party_size: PartySize
    preference: SeatingPreference = Field(description="Seating the party accepts.")
    phone: Phone | None = Field(default=None, description="Diner's phone, E.164.")
    position: Position = Field(description="1-based place in the queue.")
    parties_ahead: Count
    estimated_wait_minutes: Minutes = Field(description="Quoted wait.")
    estimate_low_minutes: Minutes = Field(description="Low end of the quoted range.")
    estimate_high_minutes: Minutes = Field(description="High end of the quoted range.")
    joined_at: AwareDatetime

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            name="Alex",
            party_size=2,
            preference="any",
            phone=s.PHONE,
            position=3,
            parties_ahead=2,
            estimated_wait_minutes=25,
            estimate_low_minutes=20,
            estimate_high_minutes=35,
            joined_at=s.NOW,
        )


class PartyCalled(_PartyEvent):
    """A table is ready for the party; it must check in before `expires_at`."""

    event_type: ClassVar[str] = "waitlist.party.called.v1"

    table_id: uuid.UUID = Field(description="The table offered (reservations holds it).")
    party_size: PartySize
    called_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="Check-in deadline.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            party_size=2,
            called_at=s.at(25),
            expires_at=s.at(35),
        )


class PartyHeadsUp(_PartyEvent):
    """The party's table is expected to be ready soon: time to head back."""

    event_type: ClassVar[str] = "waitlist.party.heads_up.v1"

    table_id: uuid.UUID | None = Field(default=None, description="The table expected to free.")
    expected_ready_at: AwareDatetime
    minutes: Minutes = Field(description="Minutes until expected_ready_at, when sent.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            expected_ready_at=s.at(25),
            minutes=5,
        )


class PartyCheckedIn(_PartyEvent):
    """The called party checked in; the table's service timer starts."""

    event_type: ClassVar[str] = "waitlist.party.checked_in.v1"

    table_id: uuid.UUID
    checked_in_at: AwareDatetime
    expected_end_at: AwareDatetime = Field(description="When the table should free again.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            checked_in_at=s.at(28),
            expected_end_at=s.at(103),
        )


class PartySeated(_PartyEvent):
    """The party sat down at its table."""

    event_type: ClassVar[str] = "waitlist.party.seated.v1"

    table_id: uuid.UUID
    seated_at: AwareDatetime

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            seated_at=s.at(30),
        )


class PartyCompleted(_PartyEvent):
    """The party's visit is over (it left its table)."""

    event_type: ClassVar[str] = "waitlist.party.completed.v1"

    table_id: uuid.UUID | None = None
    completed_at: AwareDatetime
    quoted_wait_minutes: Minutes | None = Field(default=None, description="Wait quoted at join.")
    actual_wait_minutes: Minutes | None = Field(default=None, description="Join to seating.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            completed_at=s.at(105),
            quoted_wait_minutes=25,
            actual_wait_minutes=28,
        )


class PartyLeft(_PartyEvent):
    """The party left the waitlist before being seated (it gave up, or staff removed it)."""

    event_type: ClassVar[str] = "waitlist.party.left.v1"

    table_id: uuid.UUID | None = Field(default=None, description="The table it was called to.")
    by: Actor = Field(description="Who removed the party.")

    @classmethod
    def example(cls) -> Self:
        return cls(party_id=s.PARTY_ID, restaurant_id=s.RESTAURANT_ID, by="diner")


class PartyNoShow(_PartyEvent):
    """The called party did not check in by the deadline; the hold is released."""

    event_type: ClassVar[str] = "waitlist.party.no_show.v1"

    table_id: uuid.UUID | None = Field(default=None, description="The table it was called to.")
    requeued: bool = Field(description="True when the party went back to the queue instead.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID, restaurant_id=s.RESTAURANT_ID, table_id=s.TABLE_ID, requeued=False
        )


class PartyRequeued(_PartyEvent):
    """The party went back to the queue, at `position`."""

    event_type: ClassVar[str] = "waitlist.party.requeued.v1"

    table_id: uuid.UUID | None = Field(default=None, description="The table it was called to.")
    reason: Literal["hold_rejected", "checkin_timeout", "staff"]
    position: Position = Field(description="1-based place in the queue.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            party_id=s.PARTY_ID,
            restaurant_id=s.RESTAURANT_ID,
            table_id=s.TABLE_ID,
            reason="hold_rejected",
            position=1,
        )


class QueueEntry(EventItem):
    """One party in a queue snapshot."""

    party_id: uuid.UUID
    status: str = Field(description="The party's status, e.g. waiting or called.")
    position: Position = Field(description="1-based place in the queue.")
    parties_ahead: Count
    estimated_wait_minutes: Minutes
    estimate_low_minutes: Minutes
    estimate_high_minutes: Minutes


class QueueChanged(EventData):
    """A compact snapshot of the queue's positions and estimates, sent on every change."""

    event_type: ClassVar[str] = "waitlist.queue.changed.v1"
    aggregate: ClassVar[str] = "queue"
    aggregate_id_field: ClassVar[str] = "restaurant_id"

    open: bool = Field(description="Whether the waitlist accepts new parties.")
    parties_waiting: Count
    estimated_wait_minutes: Minutes = Field(description="Quoted wait for a party joining now.")
    parties: list[QueueEntry] = Field(description="The parties in the queue, in queue order.")

    @classmethod
    def example(cls) -> Self:
        entries = [
            QueueEntry(
                party_id=s.OTHER_PARTY_ID,
                status="called",
                position=1,
                parties_ahead=0,
                estimated_wait_minutes=0,
                estimate_low_minutes=0,
                estimate_high_minutes=5,
            ),
            QueueEntry(
                party_id=s.PARTY_ID,
                status="waiting",
                position=2,
                parties_ahead=1,
                estimated_wait_minutes=15,
                estimate_low_minutes=10,
                estimate_high_minutes=20,
            ),
        ]
        return cls(
            restaurant_id=s.RESTAURANT_ID,
            open=True,
            parties_waiting=2,
            estimated_wait_minutes=30,
            parties=entries,
        )


class _WaitlistEvent(EventData):
    aggregate: ClassVar[str] = "waitlist"
    aggregate_id_field: ClassVar[str] = "restaurant_id"

    @classmethod
    def example(cls) -> Self:
        return cls(restaurant_id=s.RESTAURANT_ID)


class WaitlistOpened(_WaitlistEvent):
    """The restaurant's waitlist opened: parties can join."""

    event_type: ClassVar[str] = "waitlist.waitlist.opened.v1"


class WaitlistClosed(_WaitlistEvent):
    """The restaurant's waitlist closed: no new parties; those waiting stay."""

    event_type: ClassVar[str] = "waitlist.waitlist.closed.v1"
