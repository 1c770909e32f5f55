"""The live floor: a table's status, who is at it, and which moves are allowed.

`held` is set only when the waitlist calls a party to the table; staff move tables between
the other statuses along the edges below. The waitlist's events move a table only when it
is held or occupied for the party the event is about, so late or repeated events do nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Literal

from reservations.domain.errors import StateConflict

TableStatus = Literal["available", "held", "occupied", "cleaning", "out_of_service"]
TableKind = Literal["table", "counter"]

STAFF_MOVES: dict[str, frozenset[str]] = {
    "available": frozenset({"occupied", "cleaning", "out_of_service"}),
    # The host seats the called party; releasing a hold is the waitlist's call, not the host's.
    "held": frozenset({"occupied"}),
    "occupied": frozenset({"available", "cleaning"}),
    "cleaning": frozenset({"available", "out_of_service"}),
    "out_of_service": frozenset({"available"}),
}


@dataclass(frozen=True)
class TableState:
    status: TableStatus
    party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None

    def is_for_party(self, party_id: uuid.UUID) -> bool:
        return self.status in ("held", "occupied") and self.party_id == party_id


FREE = TableState("available")


@dataclass(frozen=True)
class FloorTable:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    label: str
    capacity: int
    kind: TableKind
    section: str | None
    x: float | None
    y: float | None
    state: TableState

    @property
    def bookable(self) -> bool:
        # Counters are kept for walk-ins; only tables take bookings.
        return self.kind == "table" and self.state.status != "out_of_service"


def staff_move(state: TableState, wanted: TableStatus) -> TableState | None:
    """The state after staff set `wanted`; None when it already is; StateConflict if illegal."""
    if wanted == state.status:
        return None
    if wanted == "held":
        raise StateConflict("a table is held only by calling a waitlist party to it")
    if wanted not in STAFF_MOVES[state.status]:
        raise StateConflict(f"a table cannot go from {state.status} to {wanted}")
    if wanted == "occupied":
        return replace(state, status="occupied")
    return TableState(wanted)


HoldOutcome = Literal["hold", "already_held", "not_available", "booked_soon"]


def hold_outcome(state: TableState, party_id: uuid.UUID, booked_soon: bool) -> HoldOutcome:
    """What calling `party_id` to this table does."""
    if state.is_for_party(party_id):
        return "already_held"
    if state.status != "available":
        return "not_available"
    if booked_soon:
        return "booked_soon"
    return "hold"


def party_arrived(state: TableState, party_id: uuid.UUID) -> TableState | None:
    """Checked in or seated: the party's held (or still free) table becomes occupied."""
    if state.status == "held" and state.party_id == party_id:
        return replace(state, status="occupied")
    if state.status == "available":
        # The call's hold may not have been applied yet (events reordered): the party is here.
        return TableState("occupied", party_id=party_id)
    return None


def party_released(state: TableState, party_id: uuid.UUID) -> TableState | None:
    """Left, no-show or requeued: a hold for that party ends."""
    if state.status == "held" and state.party_id == party_id:
        return FREE
    return None


def after_visit(clean_after_party: bool) -> TableState:
    return TableState("cleaning") if clean_after_party else FREE


def party_finished(
    state: TableState, party_id: uuid.UUID, clean_after_party: bool
) -> TableState | None:
    """Completed: the party's table is freed (to cleaning when the restaurant wants that)."""
    if state.status == "occupied" and state.party_id == party_id:
        return after_visit(clean_after_party)
    return party_released(state, party_id)


def seat_booking(state: TableState, reservation_id: uuid.UUID) -> TableState | None:
    """A booked party sits down: its table must be free (or being cleaned)."""
    if state.status == "occupied" and state.reservation_id == reservation_id:
        return None
    if state.status not in ("available", "cleaning"):
        raise StateConflict(f"the table is {state.status}; free it before seating the booking")
    return TableState("occupied", reservation_id=reservation_id)


def booking_finished(
    state: TableState, reservation_id: uuid.UUID, clean_after_party: bool
) -> TableState | None:
    if state.status == "occupied" and state.reservation_id == reservation_id:
        return after_visit(clean_after_party)
    return None
