"""One restaurant's waitlist: its parties, its floor, and how it reacts to the floor and time.

The floor is what the reservations service reports (tables, holds); time drives check-in
deadlines and heads-ups. Reports carry a sequence, so a retried or reordered report never
undoes a newer one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from maitred_contracts import PartyHeadsUp, PartyNoShow, WaitlistClosed, WaitlistOpened
from waitlist.domain.errors import Invalid
from waitlist.domain.floor import Table, TableReport
from waitlist.domain.party import Party
from waitlist.domain.party_actions import PartyActions, minutes_between
from waitlist.domain.strategies import choose_party

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


class Waitlist(PartyActions):
    def restaurant_reported(
        self,
        *,
        name: str,
        timezone: str,
        min_party_size: int,
        max_party_size: int,
        sequence: int,
    ) -> None:
        restaurant = self.restaurant
        restaurant.known = True
        if sequence <= restaurant.details_sequence:
            return
        restaurant.name = name
        restaurant.timezone = timezone
        restaurant.min_party_size = min_party_size
        restaurant.max_party_size = max_party_size
        restaurant.details_sequence = sequence

    # -- the floor -------------------------------------------------------------------------

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
        occupant = self.party_at(table.id)
        if occupant is not None and occupant.status == "called" and self._lost(table, occupant):
            self._requeue(occupant, "hold_rejected", now)
        if status_changed:
            self._status_changed(table, previous, now)
        self.offer_free_tables(now)

    def _status_changed(self, table: Table, previous: str | None, now: datetime) -> None:
        occupant = self.party_at(table.id)
        if (
            occupant is not None
            and occupant.status == "checked_in"
            and previous == "occupied"
            and table.status in ("available", "cleaning")
        ):
            # The party's table was cleared on the floor: its visit is over.
            self.complete(occupant.id, now)
        if table.status in ("occupied", "cleaning"):
            table.expected_free_at = self.expected_free_at(table, now)

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
        if sequence <= max(table.status_sequence, table.details_sequence) or table.removed:
            return
        table.removed = True
        table.status_sequence = table.details_sequence = sequence
        occupant = self.party_at(table_id)
        if occupant is not None and occupant.status == "called":
            self._requeue(occupant, "hold_rejected", now)

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
            self._requeue(party, "hold_rejected", now)
        self.offer_free_tables(now)

    # -- time ------------------------------------------------------------------------------

    def expire_checkins(self, now: datetime) -> None:
        """Called parties past their deadline: no-show, or back to their place once."""
        for party in self.queue():
            if party.status != "called" or party.checkin_deadline is None:
                continue
            if now <= party.checkin_deadline:
                continue
            if self.settings.requeue_once and party.checkin_timeouts == 0:
                party.checkin_timeouts += 1
                party.missed_table_id = party.table_id
                self.events.append(
                    PartyNoShow(
                        party_id=party.id,
                        restaurant_id=party.restaurant_id,
                        table_id=party.table_id,
                        requeued=True,
                    )
                )
                self._requeue(party, "checkin_timeout", now)
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
        for table in sorted(self.tables.values(), key=lambda t: (t.capacity, str(t.id))):
            if not self.heads_up_due(table, now):
                continue
            table.heads_up_sent = True
            candidates = [p for p in self.queue() if p.heads_up_at is None]
            choice = choose_party(
                self.settings.strategy, table, candidates, self.settings.max_passed_over
            )
            if choice is None:
                continue
            assert table.expected_free_at is not None
            choice.party.heads_up_at = now
            self.events.append(
                PartyHeadsUp(
                    party_id=choice.party.id,
                    restaurant_id=self.restaurant.id,
                    table_id=table.id,
                    expected_ready_at=table.expected_free_at,
                    minutes=minutes_between(now, table.expected_free_at),
                )
            )

    # -- settings and snapshot ---------------------------------------------------------------

    def change_settings(self, changes: dict[str, Any], now: datetime) -> None:
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
            kind = WaitlistOpened if self.settings.open else WaitlistClosed
            self.events.append(kind(restaurant_id=self.restaurant.id))
        self.offer_free_tables(now)

    def publish_snapshot(self, now: datetime) -> None:
        """One queue.changed event per change; an unchanged queue is not announced again."""
        if not self.restaurant.known:
            return
        snapshot = self.snapshot(now)
        digest = self.digest(snapshot)
        if digest != self.restaurant.snapshot_digest:
            self.restaurant.snapshot_digest = digest
            self.events.append(snapshot)
