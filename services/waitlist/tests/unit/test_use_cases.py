"""The use cases through a unit of work in memory: what a diner or host gets back, what is
refused, and the contracts published with each change."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

import maitred_contracts as contracts
from maitred_platform.principal import Principal
from maitred_platform.request_keys import RequestKey
from waitlist.adapters.event_contracts import BUILDERS, to_contract
from waitlist.domain import events
from waitlist.domain.errors import Conflict, NotFound
from waitlist.domain.floor import Table
from waitlist.domain.queue import digest
from waitlist.service import parties
from waitlist.service.parties import Act, Join

from .fakes import FakeWaitlistUnitOfWork

NOW = datetime(2025, 6, 14, 19, 0, tzinfo=UTC)


def table(capacity: int, status: str = "available") -> Table:
    return Table(uuid.uuid4(), uuid.uuid4(), capacity, "table", status)  # type: ignore[arg-type]


def staff_of(restaurant_id: uuid.UUID) -> Principal:
    return Principal(uuid.uuid4(), {restaurant_id: "host"})


def join(restaurant_id: uuid.UUID, **given: object) -> Join:
    wanted: dict[str, object] = {"name": "Alex", "party_size": 2, "preference": "any"}
    return Join(restaurant_id, **{**wanted, "phone": None, **given})  # type: ignore[arg-type]


async def test_joining_answers_the_place_and_publishes_the_join_and_the_queue() -> None:
    uow = FakeWaitlistUnitOfWork()
    rid = uow.waitlists.add_restaurant([table(4, "occupied")])

    joined = await parties.join(uow, join(rid, phone="+33612345678"), NOW)

    assert joined.token.startswith("pty") and not joined.replayed
    assert (joined.view.party.status, joined.view.position) == ("waiting", 1)
    assert joined.view.estimate is not None and joined.view.estimate.minutes > 0
    assert uow.published_types() == [
        contracts.PartyJoined.event_type,
        contracts.QueueChanged.event_type,
    ]
    [announced] = uow.published_of(contracts.PartyJoined)
    assert announced.party_id == joined.view.party.id
    assert (announced.name, announced.phone, announced.position) == ("Alex", "+33612345678", 1)
    assert announced.estimated_wait_minutes == joined.view.estimate.minutes
    [queue] = uow.published_of(contracts.QueueChanged)
    assert [(e.party_id, e.position) for e in queue.parties] == [(joined.view.party.id, 1)]


async def test_joining_when_a_fitting_table_is_free_calls_the_party_at_once() -> None:
    uow = FakeWaitlistUnitOfWork()
    free = table(4)
    rid = uow.waitlists.add_restaurant([free])

    joined = await parties.join(uow, join(rid), NOW)

    assert (joined.view.party.status, joined.view.party.table_id) == ("called", free.id)
    [called] = uow.published_of(contracts.PartyCalled)
    assert (called.table_id, called.expires_at) == (free.id, NOW + timedelta(seconds=600))


async def test_joining_a_closed_list_is_refused_and_publishes_nothing() -> None:
    uow = FakeWaitlistUnitOfWork()
    rid = uow.waitlists.add_restaurant([table(4)], open=False)

    with pytest.raises(Conflict, match="closed"):
        await parties.join(uow, join(rid), NOW)

    assert uow.published == []
    assert (uow.commits, uow.rollbacks) == (0, 1)


async def test_a_retried_join_with_its_key_gets_the_same_party_and_token() -> None:
    uow = FakeWaitlistUnitOfWork()
    rid = uow.waitlists.add_restaurant([table(4, "occupied")])
    key = RequestKey("k" * 64, "f" * 64)

    first = await parties.join(uow, join(rid, key=key), NOW)
    again = await parties.join(uow, join(rid, key=key), NOW)

    assert again.replayed and again.token == first.token
    assert again.view.party.id == first.view.party.id
    assert len(uow.published_of(contracts.PartyJoined)) == 1


async def test_the_host_calls_a_waiting_party_to_a_free_table() -> None:
    uow = FakeWaitlistUnitOfWork()
    free = table(4)
    rid = uow.waitlists.add_restaurant([free], mode="manual")
    joined = await parties.join(uow, join(rid), NOW)
    assert joined.view.party.status == "waiting"  # manual mode: nobody is called by itself
    uow.published.clear()

    called = await parties.act(uow, Act(joined.view.party.id, "call", staff_of(rid)), NOW)

    assert (called.party.status, called.party.table_id) == ("called", free.id)
    assert called.party.checkin_deadline == NOW + timedelta(seconds=600)
    assert uow.published_types() == [
        contracts.PartyCalled.event_type,
        contracts.QueueChanged.event_type,
    ]
    [event] = uow.published_of(contracts.PartyCalled)
    assert (event.party_id, event.table_id, event.party_size) == (called.party.id, free.id, 2)
    [queue] = uow.published_of(contracts.QueueChanged)
    assert [(e.status, e.estimated_wait_minutes) for e in queue.parties] == [("called", 0)]


async def test_a_diner_cannot_call_itself() -> None:
    uow = FakeWaitlistUnitOfWork()
    rid = uow.waitlists.add_restaurant([table(4)], mode="manual")
    joined = await parties.join(uow, join(rid), NOW)
    uow.published.clear()

    with pytest.raises(NotFound):
        await parties.act(uow, Act(joined.view.party.id, "call", None, joined.token), NOW)

    assert uow.published == []


async def test_seating_a_called_party_checks_it_in_and_takes_it_off_the_queue() -> None:
    uow = FakeWaitlistUnitOfWork()
    free = table(4)
    rid = uow.waitlists.add_restaurant([free])
    joined = await parties.join(uow, join(rid), NOW)
    uow.published.clear()
    later = NOW + timedelta(minutes=3)

    seated = await parties.act(uow, Act(joined.view.party.id, "seat", staff_of(rid)), later)

    assert (seated.party.status, seated.party.seated_at, seated.position) == (
        "checked_in",
        later,
        None,
    )
    assert seated.party.actual_wait_minutes == 3
    assert uow.published_types() == [
        contracts.PartyCheckedIn.event_type,
        contracts.PartySeated.event_type,
        contracts.QueueChanged.event_type,
    ]
    [checked_in] = uow.published_of(contracts.PartyCheckedIn)
    assert checked_in.expected_end_at == later + timedelta(minutes=45)
    [event] = uow.published_of(contracts.PartySeated)
    assert (event.table_id, event.seated_at) == (free.id, later)
    [queue] = uow.published_of(contracts.QueueChanged)
    assert queue.parties == [] and queue.parties_waiting == 0


async def test_an_unchanged_queue_is_not_announced_twice() -> None:
    uow = FakeWaitlistUnitOfWork()
    rid = uow.waitlists.add_restaurant([table(4, "occupied")])
    joined = await parties.join(uow, join(rid), NOW)
    uow.published.clear()

    # Looking changes nothing; a refused action neither.
    await parties.look_at(uow, joined.view.party.id, None, joined.token, NOW)
    with pytest.raises(Conflict):
        await parties.act(uow, Act(joined.view.party.id, "check-in", None, joined.token), NOW)

    assert uow.published == []


def test_every_domain_event_carries_its_contracts_fields_one_for_one() -> None:
    for event_type in BUILDERS:
        contract = type(to_contract(_example(event_type)))
        assert {f.name for f in fields(event_type)} == set(contract.model_fields), event_type


def test_the_stored_snapshot_digest_is_that_of_the_published_json() -> None:
    """Digests stored before the domain had events of its own stay comparable."""
    example = contracts.QueueChanged.example()
    domain = _example_of_queue(example)
    published = to_contract(domain).model_dump_json()
    assert published == example.model_dump_json()
    assert digest(domain) == hashlib.sha256(published.encode()).hexdigest()


def _example(event_type: type) -> object:
    """The domain event made from its contract's own example, field for field."""
    if event_type is events.QueueChanged:
        return _example_of_queue(contracts.QueueChanged.example())
    contract = {
        events.PartyJoined: contracts.PartyJoined,
        events.PartyCalled: contracts.PartyCalled,
        events.PartyHeadsUp: contracts.PartyHeadsUp,
        events.PartyCheckedIn: contracts.PartyCheckedIn,
        events.PartySeated: contracts.PartySeated,
        events.PartyCompleted: contracts.PartyCompleted,
        events.PartyLeft: contracts.PartyLeft,
        events.PartyNoShow: contracts.PartyNoShow,
        events.PartyRequeued: contracts.PartyRequeued,
        events.WaitlistOpened: contracts.WaitlistOpened,
        events.WaitlistClosed: contracts.WaitlistClosed,
    }[event_type]
    example = contract.example()
    return event_type(**{f.name: getattr(example, f.name) for f in fields(event_type)})


def _example_of_queue(example: contracts.QueueChanged) -> events.QueueChanged:
    entries = tuple(
        events.QueueEntry(**{f.name: getattr(e, f.name) for f in fields(events.QueueEntry)})
        for e in example.parties
    )
    return events.QueueChanged(
        restaurant_id=example.restaurant_id,
        open=example.open,
        parties_waiting=example.parties_waiting,
        estimated_wait_minutes=example.estimated_wait_minutes,
        parties=entries,
    )
