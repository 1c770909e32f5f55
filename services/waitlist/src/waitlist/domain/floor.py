"""The waitlist's view of the floor, projected from the reservations service's table events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from waitlist.domain.party import Party, accepts

TableStatus = Literal["available", "held", "occupied", "cleaning", "out_of_service"]
TableKind = Literal["table", "counter"]


@dataclass(frozen=True)
class TableReport:
    """What one reservations event says about a table; `sequence` orders reports."""

    table_id: uuid.UUID
    sequence: int
    at: datetime
    capacity: int
    kind: TableKind
    status: TableStatus | None = None
    party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None
    label: str | None = None
    section: str | None = None
    # True for table.created/updated, which carry the whole table; status_changed does not.
    whole_table: bool = False


@dataclass
class Table:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    capacity: int
    kind: TableKind
    status: TableStatus
    label: str | None = None
    section: str | None = None
    holder_party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None
    status_since: datetime | None = None
    # Sequences of the newest reports applied: older reports (retries, reordering) change nothing.
    status_sequence: int = -1
    details_sequence: int = -1
    removed: bool = False
    # A rejected hold keeps the table from being offered until a newer status report arrives.
    blocked_sequence: int | None = None
    expected_free_at: datetime | None = None
    heads_up_sent: bool = False

    @property
    def blocked(self) -> bool:
        return self.blocked_sequence is not None and self.status_sequence < self.blocked_sequence

    @property
    def in_service(self) -> bool:
        return not self.removed and self.status != "out_of_service"

    def seats(self, party: Party) -> bool:
        return self.capacity >= party.party_size and accepts(party.preference, self.kind)

    def could_seat(self, party_size: int, preference: str) -> bool:
        return self.in_service and self.capacity >= party_size and accepts(preference, self.kind)

    def apply(self, report: TableReport) -> bool:
        """Applies a report if newer than what is known; True when the live status changed."""
        if self.removed:
            return False
        if report.sequence > self.details_sequence:
            self.capacity = report.capacity
            self.kind = report.kind
            if report.whole_table:
                self.label = report.label
                self.section = report.section
            self.details_sequence = report.sequence
        if report.status is None or report.sequence <= self.status_sequence:
            return False
        self.status = report.status
        self.holder_party_id = report.party_id
        self.reservation_id = report.reservation_id
        self.status_since = report.at
        self.status_sequence = report.sequence
        self.expected_free_at = None
        self.heads_up_sent = False
        return True

    @classmethod
    def from_report(cls, restaurant_id: uuid.UUID, report: TableReport) -> Table:
        table = cls(
            id=report.table_id,
            restaurant_id=restaurant_id,
            capacity=report.capacity,
            kind=report.kind,
            status=report.status or "out_of_service",
        )
        table.apply(report)
        return table
