"""The queue as diners and hosts read it: order, positions, free tables, estimates, snapshot.

A read model over the waitlist's own state (the same restaurant, settings, parties, tables
and turn times, shared, never copied): the aggregate asks it where a party stands and which
tables are free, and answers questions with it. Positions are never stored: they are the rank
of a party among those holding a place in the queue (waiting or called), ordered by
`queue_order`, so they stay contiguous from 1.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from waitlist.domain.estimates import Estimate, Seat, TurnTimes, Waiting, estimate_waits
from waitlist.domain.events import QueueChanged, QueueEntry
from waitlist.domain.floor import Table
from waitlist.domain.party import IN_QUEUE, Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.strategies import choose_party

CLEANING_MINUTES = 5
QUEUE_ORDER = attrgetter("queue_order")
NEWCOMER = Waiting(party_id=uuid.UUID(int=0), party_size=2, preference="any")
"""The party the public summary quotes for: two people, any seating."""


@dataclass(frozen=True)
class PartyView:
    """A party as it is shown: where it stands and the wait it can expect."""

    party: Party
    position: int | None
    estimate: Estimate | None


def smallest_first(tables: list[Table]) -> list[Table]:
    """Free tables are offered smallest first (ties by id, so every instance agrees)."""
    return sorted(tables, key=lambda t: (t.capacity, str(t.id)))


class Queue:
    def __init__(
        self,
        restaurant: Restaurant,
        settings: Settings,
        parties: dict[uuid.UUID, Party],
        tables: dict[uuid.UUID, Table],
        turns: TurnTimes,
    ) -> None:
        self.restaurant = restaurant
        self.settings = settings
        self.parties = parties
        self.tables = tables
        self.turns = turns
        self._replayed: tuple[object, dict[uuid.UUID, Estimate | None]] | None = None

    def in_order(self) -> list[Party]:
        """Parties holding a place (waiting or called), in queue order."""
        # Asked several times per change over the whole queue: no property, no lambda.
        holding = [p for p in self.parties.values() if p.status in IN_QUEUE]
        return sorted(holding, key=QUEUE_ORDER)

    def position(self, party: Party) -> int | None:
        for rank, queued in enumerate(self.in_order(), start=1):
            if queued.id == party.id:
                return rank
        return None

    def party_size_limit(self) -> int:
        own = self.settings.max_party_size or self.restaurant.max_party_size
        return min(own, self.restaurant.max_party_size)

    def party_at(self, table_id: uuid.UUID) -> Party | None:
        """The party of ours called to, or sitting at, the table."""
        for party in self.parties.values():
            if party.table_id == table_id and party.status in ("called", "checked_in"):
                return party
        return None

    def is_offerable(self, table: Table) -> bool:
        if not table.in_service or table.blocked or self.party_at(table.id) is not None:
            return False
        # A table still held for a party that is no longer called is being released: free.
        return table.status in ("available", "held")

    def offerable_tables(self) -> list[Table]:
        return smallest_first([t for t in self.tables.values() if self.is_offerable(t)])

    def suggestions(self) -> dict[uuid.UUID, uuid.UUID]:
        """Party id -> free table the strategy would give it (what manual mode shows the host)."""
        suggested: dict[uuid.UUID, uuid.UUID] = {}
        for table in self.offerable_tables():
            queue = [p for p in self.in_order() if p.id not in suggested]
            choice = choose_party(
                self.settings.strategy, table, queue, self.settings.max_passed_over
            )
            if choice is not None:
                suggested[choice.party.id] = table.id
        return suggested

    # -- estimates ---------------------------------------------------------------------------

    def _seats(self, now: datetime) -> list[Seat]:
        occupants = {
            p.table_id: p
            for p in self.parties.values()
            if p.table_id is not None and p.status in ("called", "checked_in")
        }
        seats = []
        for table in self.tables.values():
            if not table.in_service:
                continue
            occupant = occupants.get(table.id)
            if occupant is not None and occupant.status == "called":
                free_at = now + timedelta(minutes=self.turns.minutes(occupant.party_size))
            elif occupant is not None or table.status in ("occupied", "cleaning"):
                free_at = max(now, table.expected_free_at or self.expected_free_at(table, now))
            elif table.blocked:  # a booking starts soon: count it as taken for one turn
                free_at = now + timedelta(minutes=self.turns.minutes(table.capacity))
            else:
                free_at = now
            # With its party known, the estimator reckons the table's end from that party.
            size = occupant.party_size if occupant else None
            since = occupant.checked_in_at if occupant else None
            seats.append(Seat(table.id, table.capacity, table.kind, free_at, size, since))
        return seats

    def expected_free_at(self, table: Table, now: datetime) -> datetime:
        since = table.status_since or now
        if table.status == "cleaning":
            return since + timedelta(minutes=CLEANING_MINUTES)
        occupant = self.party_at(table.id)
        if occupant is not None and occupant.expected_end_at is not None:
            return occupant.expected_end_at
        return since + timedelta(minutes=self.turns.minutes(table.capacity))

    def estimates(self, now: datetime) -> dict[uuid.UUID, Estimate]:
        """Estimated wait of every party in the queue (a called party waits no more)."""
        # The newcomer is replayed last, so it changes nobody's estimate; asking with it
        # shares one replay with the snapshot and the public summary.
        return self._estimates(now, [NEWCOMER])[0]

    def estimate_of(self, party: Party, now: datetime) -> Estimate:
        return self.estimates(now)[party.id]

    def newcomer_estimate(self, now: datetime) -> Estimate:
        return self._estimates(now, [NEWCOMER])[1][0]

    def _estimates(
        self, now: datetime, extra: list[Waiting]
    ) -> tuple[dict[uuid.UUID, Estimate], list[Estimate]]:
        queue = self.in_order()
        waiting = tuple((p.id, p.party_size, p.preference) for p in queue if p.status == "waiting")
        seats = self._seats(now)
        # One change asks for the same estimates several times (the answer, the snapshot, the
        # quote): replay the queue once per distinct input. The queue is keyed as plain
        # tuples, which compare without a call per party.
        key = (now, tuple(seats), waiting, tuple(extra), tuple(self.turns.stats.items()))
        if self._replayed is not None and self._replayed[0] == key:
            found = self._replayed[1]
        else:
            replayed = [*(Waiting(*w) for w in waiting), *extra]
            found = estimate_waits(now, seats, replayed, self.turns)
            self._replayed = (key, found)
        result: dict[uuid.UUID, Estimate] = {}
        for rank, party in enumerate(queue):
            if party.status == "called":
                result[party.id] = Estimate(0, 0, 0)
            else:
                result[party.id] = found[party.id] or self._fallback(party.party_size, rank)
        extras = [found[w.party_id] or self._fallback(w.party_size, len(queue)) for w in extra]
        return result, extras

    def _fallback(self, party_size: int, parties_ahead: int) -> Estimate:
        """When no table in service seats the party: one turn per party ahead, widely ranged."""
        turn = round(self.turns.minutes(party_size))
        minutes = turn * (parties_ahead + 1)
        return Estimate(minutes, minutes // 2, minutes * 2)

    # -- what is shown -------------------------------------------------------------------------

    def view(self, party: Party, now: datetime) -> PartyView:
        estimate = self.estimates(now).get(party.id) if party.in_queue else None
        return PartyView(party, self.position(party), estimate)

    def snapshot(self, now: datetime) -> QueueChanged:
        estimates, newcomer = self._estimates(now, [NEWCOMER])
        entries = []
        for rank, party in enumerate(self.in_order(), start=1):
            estimate = estimates[party.id]
            entries.append(
                QueueEntry(
                    party.id,
                    party.status,
                    rank,
                    rank - 1,
                    estimate.minutes,
                    estimate.low,
                    estimate.high,
                )
            )
        return QueueChanged(
            restaurant_id=self.restaurant.id,
            open=self.settings.open,
            parties_waiting=len(entries),
            estimated_wait_minutes=newcomer[0].minutes,
            parties=tuple(entries),
        )


def digest(snapshot: QueueChanged) -> str:
    """A fingerprint of what a snapshot says, stored to tell whether the queue moved.

    The same text as the published event's data (compact JSON, fields in contract order), so
    digests stored before stay comparable.
    """
    document = {
        "restaurant_id": str(snapshot.restaurant_id),
        "open": snapshot.open,
        "parties_waiting": snapshot.parties_waiting,
        "estimated_wait_minutes": snapshot.estimated_wait_minutes,
        "parties": [
            {
                "party_id": str(e.party_id),
                "status": e.status,
                "position": e.position,
                "parties_ahead": e.parties_ahead,
                "estimated_wait_minutes": e.estimated_wait_minutes,
                "estimate_low_minutes": e.estimate_low_minutes,
                "estimate_high_minutes": e.estimate_high_minutes,
            }
            for e in snapshot.parties
        ],
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
