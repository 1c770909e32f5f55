"""The waitlist's domain events as the versioned contracts it publishes: the one place.

Each domain event carries its contract's fields one for one, so a contract is built from the
event's attributes and validated as it is (a phone in E.164, positions from 1, ...). What is
on the wire is the contract's JSON, as integrators and the other services read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import maitred_contracts as contracts
from maitred_contracts import EventData
from waitlist.domain import events


def _field_for_field(contract: type[EventData]) -> Callable[[Any], EventData]:
    def build(event: Any) -> EventData:
        # The snapshot's entries too are read by attribute, in one validation pass.
        return contract.model_validate(event, from_attributes=True)

    return build


BUILDERS: dict[type, Callable[[Any], EventData]] = {
    events.PartyJoined: _field_for_field(contracts.PartyJoined),
    events.PartyCalled: _field_for_field(contracts.PartyCalled),
    events.PartyHeadsUp: _field_for_field(contracts.PartyHeadsUp),
    events.PartyCheckedIn: _field_for_field(contracts.PartyCheckedIn),
    events.PartySeated: _field_for_field(contracts.PartySeated),
    events.PartyCompleted: _field_for_field(contracts.PartyCompleted),
    events.PartyLeft: _field_for_field(contracts.PartyLeft),
    events.PartyNoShow: _field_for_field(contracts.PartyNoShow),
    events.PartyRequeued: _field_for_field(contracts.PartyRequeued),
    events.WaitlistOpened: _field_for_field(contracts.WaitlistOpened),
    events.WaitlistClosed: _field_for_field(contracts.WaitlistClosed),
    events.QueueChanged: _field_for_field(contracts.QueueChanged),
}


def to_contract(event: object) -> EventData:
    builder = BUILDERS.get(type(event))
    if builder is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return builder(event)
