"""One restaurant's waitlist, the aggregate: its parties, its floor, and how it reacts to time.

Every rule that changes the waitlist is here, in one class: what diners and hosts do to
parties, what the floor reports (reservations' tables and holds, whose `sequence` keeps a
retried or reordered report from undoing a newer one), deadlines and heads-ups, settings.
Each change records the domain events it raises in `events`; the unit of work takes them.
Where a party stands and what it can expect is read from `queue`, the read model over the
same state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from waitlist.domain import events
from waitlist.domain.errors import Conflict, Invalid, NotFound
from waitlist.domain.estimates import TurnTimes
from waitlist.domain.events import RequeueReason, WaitlistEvent
from waitlist.domain.floor import Table, TableReport
from waitlist.domain.party import Actor, Party, Preference
from waitlist.domain.queue import Queue, digest, smallest_first
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.strategies import choose_party

Action = Literal["check-in", "leave", "call", "seat", "complete", "no-show", "remove"]
"""What a diner or a host does to one party, as the API names it."""

SETTING_NAMES = (
    "open",
    "mode",
    "strategy",
    "checkin_timeout_seconds",
    "max_party_size",
    "heads_up_minutes",
    "requeue_once",
    "max_passed_over",
)


@dataclass(frozen=True)
class PartyRequest:
    """What a diner or a host asks of one party; `table_id` for a call or a seat."""

    action: Action
    party_id: uuid.UUID
    by: Actor
    now: datetime
    table_id: uuid.UUID | None = None


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


class Waitlist:
    def __init__(
        self,
        restaurant: Restaurant,
        settings: Settings,
        parties: list[Party],
        tables: list[Table],
        turns: TurnTimes,
    ) -> None:
        self.restaurant = restaurant
        self.settings = settings
        self.parties = {p.id: p for p in parties}
        self.tables = {t.id: t for t in tables}
        self.turns = turns
        self.queue = Queue(restaurant, settings, self.parties, self.tables, turns)
        self.events: list[WaitlistEvent] = []

    def party(self, party_id: uuid.UUID) -> Party:
        party = self.parties.get(party_id)
        if party is None:
            raise NotFound("There is no such party.")
        return party

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
        if phone is not None and any(p.phone == phone for p in self.queue.in_order()):
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
        quote = self.queue.estimate_of(party, now)
        party.quoted_wait_minutes = quote.minutes
        party.quoted_low_minutes = quote.low
        party.quoted_high_minutes = quote.high
        position = self.queue.position(party) or 1
        self.events.append(
            events.PartyJoined(
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
        limit = self.queue.party_size_limit()
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
            events.PartyLeft(
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

    def act(self, request: PartyRequest) -> Party:
        """A diner's or host's action on a party, by its name in the API."""
        return PARTY_ACTIONS[request.action](self, request)

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
            events.PartySeated(
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
            events.PartyCompleted(
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

    def offer_free_tables(self, now: datetime) -> None:
        """In auto mode, each free table goes to the party the strategy picks, smallest first."""
        if self.settings.mode != "auto":
            return
        for table in self.queue.offerable_tables():
            choice = choose_party(
                self.settings.strategy, table, self.queue.in_order(), self.settings.max_passed_over
            )
            if choice is None:
                continue
            for passed in choice.passed_over:
                passed.passed_over += 1
            self._call(choice.party, table, now)

    # -- the floor -------------------------------------------------------------------------

    def restaurant_reported(
        self,
        *,
        name: str,
        timezone: str,
        min_party_size: int,
        max_party_size: int,
        sequence: int,
        now: datetime,
    ) -> None:
        """Created or updated: the restaurant is known, with its details if they are newer."""
        restaurant = self.restaurant
        restaurant.known = True
        if sequence > restaurant.details_sequence:
            restaurant.name = name
            restaurant.timezone = timezone
            restaurant.min_party_size = min_party_size
            restaurant.max_party_size = max_party_size
            restaurant.details_sequence = sequence
        self.offer_free_tables(now)

    def table_reported(self, report: TableReport, now: datetime) -> None:
        table = self.tables.get(report.table_id)
        previous: str | None = None
        if table is None:
            table = Table.from_report(self.restaurant.id, report)
            self.tables[table.id] = table
            status_changed = True
        else:
            previous = table.status
            status_changed = table.apply(report)
        occupant = self.queue.party_at(table.id)
        if occupant is not None and occupant.status == "called" and self._lost(table, occupant):
            self._requeue(occupant, "hold_rejected")
        if status_changed:
            self._status_changed(table, previous, now)
        self.offer_free_tables(now)

    def _status_changed(self, table: Table, previous: str | None, now: datetime) -> None:
        occupant = self.queue.party_at(table.id)
        if (
            occupant is not None
            and occupant.status == "checked_in"
            and previous == "occupied"
            and table.status in ("available", "cleaning")
        ):
            # The party's table was cleared on the floor: its visit is over.
            self.complete(occupant.id, now)
        if table.status in ("occupied", "cleaning"):
            table.expected_free_at = self.queue.expected_free_at(table, now)

    @staticmethod
    def _lost(table: Table, called: Party) -> bool:
        """Whether the table called for this party can no longer be its table."""
        if not table.in_service or not table.seats(called):
            return True
        taken = table.reservation_id is not None or table.holder_party_id not in (None, called.id)
        return table.status in ("held", "occupied") and taken

    def table_removed(self, table_id: uuid.UUID, sequence: int, now: datetime) -> None:
        table = self.tables.get(table_id)
        if table is None:
            # Remembered as removed, so a late table.created does not bring it back.
            table = Table(
                id=table_id,
                restaurant_id=self.restaurant.id,
                capacity=1,
                kind="table",
                status="out_of_service",
            )
            self.tables[table_id] = table
        newer = sequence > max(table.status_sequence, table.details_sequence)
        if newer and not table.removed:
            table.removed = True
            table.status_sequence = table.details_sequence = sequence
            occupant = self.queue.party_at(table_id)
            if occupant is not None and occupant.status == "called":
                self._requeue(occupant, "hold_rejected")
        self.offer_free_tables(now)

    def hold_rejected(
        self, table_id: uuid.UUID, party_id: uuid.UUID, sequence: int, now: datetime
    ) -> None:
        """The party goes back to its place; the table waits for a newer status report."""
        table = self.tables.get(table_id)
        if table is not None:
            if sequence <= table.status_sequence:
                return  # the floor has said more since: this rejection answers an older call
            table.blocked_sequence = max(table.blocked_sequence or -1, sequence)
        party = self.parties.get(party_id)
        if party is not None and party.status == "called" and party.table_id == table_id:
            self._requeue(party, "hold_rejected")
        self.offer_free_tables(now)

    # -- time ------------------------------------------------------------------------------

    def expire_checkins(self, now: datetime) -> None:
        """Called parties past their deadline: no-show, or back to their place once."""
        for party in self.queue.in_order():
            if party.status != "called" or party.checkin_deadline is None:
                continue
            if now <= party.checkin_deadline:
                continue
            if self.settings.requeue_once and party.checkin_timeouts == 0:
                party.checkin_timeouts += 1
                party.missed_table_id = party.table_id
                self.events.append(
                    events.PartyNoShow(
                        party_id=party.id,
                        restaurant_id=party.restaurant_id,
                        table_id=party.table_id,
                        requeued=True,
                    )
                )
                self._requeue(party, "checkin_timeout")
            else:
                self._no_show(party, now)
        self.offer_free_tables(now)

    def heads_up_due(self, table: Table, now: datetime) -> bool:
        minutes = self.settings.heads_up_minutes
        return (
            minutes > 0
            and table.in_service
            and table.status == "occupied"
            and not table.heads_up_sent
            and table.expected_free_at is not None
            and table.expected_free_at - timedelta(minutes=minutes) <= now
        )

    def send_heads_ups(self, now: datetime) -> None:
        """Tells the next fitting party a table is expected to free in a few minutes."""
        for table in smallest_first(list(self.tables.values())):
            if not self.heads_up_due(table, now):
                continue
            table.heads_up_sent = True
            candidates = [p for p in self.queue.in_order() if p.heads_up_at is None]
            choice = choose_party(
                self.settings.strategy, table, candidates, self.settings.max_passed_over
            )
            if choice is None:
                continue
            assert table.expected_free_at is not None
            choice.party.heads_up_at = now
            self.events.append(
                events.PartyHeadsUp(
                    party_id=choice.party.id,
                    restaurant_id=self.restaurant.id,
                    table_id=table.id,
                    expected_ready_at=table.expected_free_at,
                    minutes=minutes_between(now, table.expected_free_at),
                )
            )

    # -- settings and the queue's announcement ---------------------------------------------

    def change_settings(self, changes: dict[str, Any], now: datetime) -> None:
        if not self.restaurant.known:
            raise NotFound("There is no waitlist for this restaurant.")
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:
            raise Invalid(f"Unknown setting {sorted(unknown)[0]}.", field=sorted(unknown)[0])
        size = changes.get("max_party_size")
        if size is not None and size > self.restaurant.max_party_size:
            raise Invalid(
                f"The restaurant seats parties of at most {self.restaurant.max_party_size}.",
                field="max_party_size",
            )
        was_open = self.settings.open
        for name, value in changes.items():
            setattr(self.settings, name, value)
        if self.settings.open != was_open:
            kind = events.WaitlistOpened if self.settings.open else events.WaitlistClosed
            self.events.append(kind(restaurant_id=self.restaurant.id))
        self.offer_free_tables(now)

    def publish_snapshot(self, now: datetime) -> None:
        """One queue.changed event per change; an unchanged queue is not announced again."""
        if not self.restaurant.known:
            return
        snapshot = self.queue.snapshot(now)
        fingerprint = digest(snapshot)
        if fingerprint != self.restaurant.snapshot_digest:
            self.restaurant.snapshot_digest = fingerprint
            self.events.append(snapshot)

    # -- shared steps ----------------------------------------------------------------------

    def _free_table_for(self, party: Party, table_id: uuid.UUID | None) -> Table:
        if table_id is None:
            fitting = [t for t in self.queue.offerable_tables() if t.seats(party)]
            if not fitting:
                raise Conflict("No free table seats this party.")
            return fitting[0]
        table = self.tables.get(table_id)
        if table is None or table.removed:
            raise NotFound("There is no such table in this restaurant.", field="table_id")
        if not self.queue.is_offerable(table):
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
            events.PartyCalled(
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
            events.PartyCheckedIn(
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
            events.PartyNoShow(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=party.table_id,
                requeued=False,
            )
        )

    def _requeue(self, party: Party, reason: RequeueReason) -> None:
        table_id = party.table_id
        party.back_to_place()
        self.events.append(
            events.PartyRequeued(
                party_id=party.id,
                restaurant_id=party.restaurant_id,
                table_id=table_id,
                reason=reason,
                position=self.queue.position(party) or 1,
            )
        )


PARTY_ACTIONS: dict[Action, Callable[[Waitlist, PartyRequest], Party]] = {
    "check-in": lambda waitlist, asked: waitlist.check_in(asked.party_id, asked.now),
    "leave": lambda waitlist, asked: waitlist.leave(asked.party_id, asked.by, asked.now),
    # The host taking a party off the list: it leaves, by staff.
    "remove": lambda waitlist, asked: waitlist.leave(asked.party_id, "staff", asked.now),
    "call": lambda waitlist, asked: waitlist.call(asked.party_id, asked.table_id, asked.now),
    "seat": lambda waitlist, asked: waitlist.seat(asked.party_id, asked.table_id, asked.now),
    "complete": lambda waitlist, asked: waitlist.complete(asked.party_id, asked.now),
    "no-show": lambda waitlist, asked: waitlist.no_show(asked.party_id, asked.now),
}
"""Each action the API names -> the rule it applies (who may ask is the service's check)."""
