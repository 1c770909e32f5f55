"""What diners and hosts do to parties: join, leave, check in, call, seat, complete, no-show.

Each action changes plain objects and appends the events it produces to `events`; the
service layer writes them to the outbox in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from maitred_contracts import (
    EventData,
    PartyCalled,
    PartyCheckedIn,
    PartyCompleted,
    PartyJoined,
    PartyLeft,
    PartyNoShow,
    PartyRequeued,
    PartySeated,
)
from waitlist.domain.errors import Conflict, Invalid, NotFound
from waitlist.domain.estimates import Estimate, TurnTimes
from waitlist.domain.floor import Table
from waitlist.domain.party import Actor, Party, Preference
from waitlist.domain.queue_view import QueueView
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.strategies import choose_party

RequeueReason = Literal["hold_rejected", "checkin_timeout", "staff"]


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


class PartyActions(QueueView):
    def __init__(
        self,
        restaurant: Restaurant,
        settings: Settings,
        parties: list[Party],
        tables: list[Table],
        turns: TurnTimes,
    ) -> None:
        super().__init__(restaurant, settings, parties, tables, turns)
        self.events: list[EventData] = []

    # -- the diner -------------------------------------------------------------------------

    def join(
        self,
        *,
        party_id: uuid.UUID,
        name: str,
        party_size: int,
        preference: Preference,
        phone: str | None,
        token_hash: str,
        now: datetime,
    ) -> Party:
        if not self.restaurant.known:
            raise NotFound("There is no waitlist for this restaurant.")
        if not self.settings.open:
            raise Conflict("The waitlist is closed.")
        self._check_party_size(party_size, preference)
        if phone is not None and any(p.phone == phone for p in self.queue()):
            raise Conflict("This phone number is already on the waitlist.", field="phone")
        order = max((p.queue_order for p in self.parties.values()), default=0) + 1
        party = Party(
            id=party_id,
            restaurant_id=self.restaurant.id,
            name=name,
            party_size=party_size,
            preference=preference,
            phone=phone,
            token_hash=token_hash,
            status="waiting",
            queue_order=order,
            joined_at=now,
        )
        self.parties[party.id] = party
        quote = self.estimate_of(party, now)
        party.quoted_wait_minutes = quote.minutes
        party.quoted_low_minutes = quote.low
        party.quoted_high_minutes = quote.high
        position = self.position(party) or 1
        self.events.append(
            PartyJoined(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                name=name,
                party_size=party_size,
                preference=preference,
                phone=phone,
                position=position,
                parties_ahead=position - 1,
                estimated_wait_minutes=quote.minutes,
                estimate_low_minutes=quote.low,
                estimate_high_minutes=quote.high,
                joined_at=now,
            )
        )
        self.offer_free_tables(now)
        return party

    def _check_party_size(self, party_size: int, preference: str) -> None:
        if party_size < self.restaurant.min_party_size:
            raise Invalid(
                f"The smallest party is {self.restaurant.min_party_size}.", field="party_size"
            )
        limit = self.party_size_limit()
        if party_size > limit:
            raise Invalid(f"The largest party on this waitlist is {limit}.", field="party_size")
        if any(t.could_seat(party_size, preference) for t in self.tables.values()):
            return
        if any(t.could_seat(party_size, "any") for t in self.tables.values()):
            raise Invalid(
                f"No {preference} here seats a party of {party_size}.", field="preference"
            )
        raise Invalid(f"No table here seats a party of {party_size}.", field="party_size")

    def leave(self, party_id: uuid.UUID, by: Actor, now: datetime) -> Party:
        party = self.party(party_id)
        if not party.in_queue:
            raise Conflict(f"The party is not on the waitlist (it is {party.status}).")
        table_id = party.table_id
        party.status = "left"
        party.left_by = by
        party.ended_at = now
        self.events.append(
            PartyLeft(
                party_id=party.id, restaurant_id=party.restaurant_id, table_id=table_id, by=by
            )
        )
        self.offer_free_tables(now)
        return party

    def check_in(self, party_id: uuid.UUID, now: datetime) -> Party:
        party = self.party(party_id)
        if party.status != "called":
            raise Conflict(f"Only a called party can check in (the party is {party.status}).")
        assert party.checkin_deadline is not None
        if now > party.checkin_deadline:
            raise Conflict("The check-in deadline has passed.")
        self._start_service(party, now)
        return party

    # -- the host --------------------------------------------------------------------------

    def call(self, party_id: uuid.UUID, table_id: uuid.UUID | None, now: datetime) -> Party:
        party = self.party(party_id)
        if party.status != "waiting":
            raise Conflict(f"Only a waiting party can be called (the party is {party.status}).")
        self._call(party, self._free_table_for(party, table_id), now)
        return party

    def seat(self, party_id: uuid.UUID, table_id: uuid.UUID | None, now: datetime) -> Party:
        party = self.party(party_id)
        if party.status == "waiting":
            party.table_id = self._free_table_for(party, table_id).id
        elif party.status not in ("called", "checked_in"):
            raise Conflict(f"The party cannot be seated (it is {party.status}).")
        elif table_id is not None and table_id != party.table_id:
            raise Conflict("The party was given another table.", field="table_id")
        if party.seated_at is not None:
            raise Conflict("The party is already seated.")
        if party.status != "checked_in":
            self._start_service(party, now)
        party.seated_at = now
        assert party.table_id is not None
        self.events.append(
            PartySeated(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=party.table_id,
                seated_at=now,
            )
        )
        return party

    def complete(self, party_id: uuid.UUID, now: datetime) -> Party:
        party = self.party(party_id)
        if party.status != "checked_in":
            raise Conflict(f"Only a party at its table can complete (it is {party.status}).")
        party.status = "completed"
        party.ended_at = now
        assert party.checked_in_at is not None
        self.turns.learn(party.party_size, (now - party.checked_in_at).total_seconds() / 60)
        self.events.append(
            PartyCompleted(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=party.table_id,
                completed_at=now,
                quoted_wait_minutes=party.quoted_wait_minutes,
                actual_wait_minutes=party.actual_wait_minutes,
            )
        )
        return party

    def no_show(self, party_id: uuid.UUID, now: datetime) -> Party:
        party = self.party(party_id)
        if party.status != "called":
            raise Conflict(f"Only a called party can be a no-show (it is {party.status}).")
        self._no_show(party, now)
        self.offer_free_tables(now)
        return party

    # -- shared steps ----------------------------------------------------------------------

    def _free_table_for(self, party: Party, table_id: uuid.UUID | None) -> Table:
        if table_id is None:
            fitting = [t for t in self.offerable_tables() if t.seats(party)]
            if not fitting:
                raise Conflict("No free table seats this party.")
            return min(fitting, key=lambda t: (t.capacity, str(t.id)))
        table = self.tables.get(table_id)
        if table is None or table.removed:
            raise NotFound("There is no such table in this restaurant.", field="table_id")
        if not self.is_offerable(table):
            raise Conflict("That table is not free.", field="table_id")
        if not table.seats(party):
            raise Invalid("That table cannot seat this party.", field="table_id")
        return table

    def _call(self, party: Party, table: Table, now: datetime) -> None:
        party.status = "called"
        party.table_id = table.id
        party.called_at = now
        party.checkin_deadline = now + timedelta(seconds=self.settings.checkin_timeout_seconds)
        self.events.append(
            PartyCalled(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=table.id,
                party_size=party.party_size,
                called_at=now,
                expires_at=party.checkin_deadline,
            )
        )

    def _start_service(self, party: Party, now: datetime) -> None:
        """Check-in: the table's service timer runs from the expected turn for the party size."""
        assert party.table_id is not None
        party.status = "checked_in"
        party.checked_in_at = now
        party.actual_wait_minutes = minutes_between(party.joined_at, now)
        party.expected_end_at = now + timedelta(minutes=self.turns.minutes(party.party_size))
        table = self.tables.get(party.table_id)
        if table is not None:
            table.expected_free_at = party.expected_end_at
            table.heads_up_sent = False
        self.events.append(
            PartyCheckedIn(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=party.table_id,
                checked_in_at=now,
                expected_end_at=party.expected_end_at,
            )
        )

    def _no_show(self, party: Party, now: datetime) -> None:
        party.status = "no_show"
        party.ended_at = now
        self.events.append(
            PartyNoShow(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=party.table_id,
                requeued=False,
            )
        )

    def _requeue(self, party: Party, reason: RequeueReason, now: datetime) -> None:
        table_id = party.table_id
        party.back_to_place()
        self.events.append(
            PartyRequeued(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=table_id,
                reason=reason,
                position=self.position(party) or 1,
            )
        )

    def offer_free_tables(self, now: datetime) -> None:
        """In auto mode, each free table goes to the party the strategy picks, smallest first."""
        if self.settings.mode != "auto":
            return
        for table in sorted(self.offerable_tables(), key=lambda t: (t.capacity, str(t.id))):
            choice = choose_party(
                self.settings.strategy, table, self.queue(), self.settings.max_passed_over
            )
            if choice is None:
                continue
            for passed in choice.passed_over:
                passed.passed_over += 1
            self._call(choice.party, table, now)

    def estimate_of(self, party: Party, now: datetime) -> Estimate:
        return self.estimates(now)[party.id]
