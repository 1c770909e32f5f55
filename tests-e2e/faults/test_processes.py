"""Processes die: SIGKILL, no goodbye. The relay that holds the outbox lock is killed again
and again while it publishes; the reservations consumer is killed while it holds messages
the broker has delivered but it has not acknowledged.

Publishing is at least once (a relay killed between the broker's confirm and marking the row
sent publishes it again, with the same CloudEvents id), so duplicates may reach the exchange;
consumers apply each event once (inbox), which is what the API shows afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

import httpx
import pytest

from .chaos import (
    FaultStack,
    Outcome,
    bounded_gather,
    call,
    redelivery_counts,
    relay_holder,
    sized,
    tally,
    unique_phone,
    wait_for_notifications,
)
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

JOINED = "waitlist.party.joined.v1"
CALLED = "waitlist.party.called.v1"
STATUS = "reservations.table.status_changed.v1"
ANSWERS = ("reservations.table.held.v1", "reservations.table.hold_rejected.v1")


def pair_tables(count: int) -> list[dict[str, Any]]:
    return [{"label": f"P{n}", "capacity": 2, "kind": "table"} for n in range(1, count + 1)]


async def set_status(client: httpx.AsyncClient, place: dict[str, Any], tid: str, status: str):
    return await call(
        client, "PATCH", f"/v1/restaurants/{place['rid']}/tables/{tid}",
        json={"status": status}, headers=place["owner"],
    )  # fmt: skip


async def full_house(client: httpx.AsyncClient, tap: Any, place: dict[str, Any]) -> None:
    """Every table taken, and the waitlist has heard so (nothing is called on joining)."""
    for table in place["tables"]:
        outcome = await set_status(client, place, table["id"], "occupied")
        assert outcome.status == 200, outcome.body
    await tap.wait_for(STATUS, count=len(place["tables"]), status="occupied",
                       restaurant_id=place["rid"])  # fmt: skip
    # The tap having seen the events does not mean the waitlist has applied them: wait until
    # its public summary quotes a wait for a newcomer (two, any seating), which it does only
    # when no table it knows of is free.
    deadline = time.monotonic() + 30
    last: Any = None
    while time.monotonic() < deadline:
        answer = await call(client, "GET", f"/v1/restaurants/{place['rid']}/waitlist")
        last = answer.body
        if answer.status == 200 and (answer.body.get("estimated_wait_minutes") or 0) > 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the waitlist never saw the full house; last summary: {last}")


async def join(client: httpx.AsyncClient, chaos: FaultStack, rid: str, n: int) -> Outcome:
    phone = unique_phone()
    chaos.secrets.add(phone)
    outcome = await call(
        client, "POST", f"/v1/restaurants/{rid}/waitlist/parties",
        json={"name": f"Diner {n}", "party_size": 2, "phone": phone},
    )  # fmt: skip
    if outcome.status == 201:
        chaos.secrets.add(outcome.body["party_token"])
    return outcome


def answers_by_party(events: list[dict[str, Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event["type"] in ANSWERS:
            found[event["data"]["party_id"]].add(event["id"])
    return found


def calls_by_table(events: list[dict[str, Any]], rid: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event["type"] == CALLED and event["data"]["restaurant_id"] == rid:
            found[event["data"]["table_id"]].add(event["id"])
    return found


async def until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not within {timeout:.0f}s: {what}"
        await asyncio.sleep(0.2)


async def floor_and_queue(client: httpx.AsyncClient, place: dict[str, Any]):  # type: ignore[no-untyped-def]
    tables = await client.get(f"/v1/restaurants/{place['rid']}/tables", headers=place["owner"])
    queue = await client.get(
        f"/v1/restaurants/{place['rid']}/waitlist/parties", headers=place["owner"]
    )
    assert tables.status_code == 200 and queue.status_code == 200
    return tables.json()["items"], queue.json()["items"]


async def test_relay_killed_while_publishing_loses_nothing_and_consumers_apply_once(
    chaos, client, tap
):
    """Fault 2: the waitlist instance holding the relay is SIGKILLed repeatedly while diners
    join and tables free up (each free table calls a party, whose table is then held)."""
    joins, tables, kills = sized(120, 400), sized(12, 30), sized(4, 12)
    place = await new_restaurant(client, pair_tables(tables), settings={"strategy": "fifo"})
    rid = place["rid"]
    await full_house(client, tap, place)
    waitlists = chaos.instances("waitlist")
    joined: list[Outcome] = []
    freed: list[str] = []

    async def diner(n: int) -> Outcome:
        outcome = await join(client, chaos, rid, n)
        joined.append(outcome)
        return outcome

    async def host() -> None:
        while sum(o.status == 201 for o in joined) < tables + 5:
            await asyncio.sleep(0.05)
        for table in place["tables"]:
            outcome = await set_status(client, place, table["id"], "available")
            assert outcome.status == 200, outcome.body
            freed.append(table["id"])
            await asyncio.sleep(sized(0.4, 0.25))

    killed: list[str] = []

    async def reaper() -> None:
        while len(joined) < joins // 10:
            await asyncio.sleep(0.05)
        for cycle in range(kills):
            holder = await relay_holder(waitlists)
            if holder is None:  # the standby is taking over: a moment later
                await asyncio.sleep(0.3)
                continue
            # Frozen, it keeps the lock while events pile up in the outbox; thawed, it
            # publishes the pile, and is killed before it can have marked all of it sent.
            await chaos.freeze(holder)
            await asyncio.sleep(1.5)
            await chaos.thaw(holder)
            await asyncio.sleep(0.05 + 0.05 * (cycle % 4))
            await chaos.kill(holder)
            killed.append(holder.name)
            await asyncio.sleep(0.3)
            await chaos.start(holder, timeout=60)
            await asyncio.sleep(0.5)

    outcomes, *_ = await asyncio.gather(bounded_gather(joins, 8, diner), host(), reaper())
    acknowledged = [o.body["id"] for o in outcomes if o.status == 201]
    refused = sorted({o.status for o in outcomes if o.status != 201})
    assert len(killed) >= kills // 2, killed
    assert len(acknowledged) >= joins * 0.8, refused  # only calls cut by a kill may fail
    assert set(refused) <= {0, 502, 503, 504}, refused  # never a 500

    await chaos.ready_within(30)
    await until(lambda: not tally(tap.events, JOINED, "party_id", acknowledged).lost, 60,
                "every acknowledged join published")  # fmt: skip
    await until(lambda: len(calls_by_table(tap.events, rid)) == tables, 60,
                "a party called for every freed table")  # fmt: skip
    called = {e["data"]["party_id"]: e for e in tap.events
              if e["type"] == CALLED and e["data"]["restaurant_id"] == rid}  # fmt: skip
    await until(lambda: set(called) <= set(answers_by_party(tap.events)), 60,
                "reservations answered every call")  # fmt: skip

    joins_tally = tally(tap.events, JOINED, "party_id", acknowledged)
    exchange_duplicates = redelivery_counts(tap.events)
    print(
        f"relay killed {len(killed)}x: joins {joins_tally.summary()}; "
        f"events re-sent with the same id: {sum(exchange_duplicates.values())}"
    )
    assert joins_tally.lost == [] and joins_tally.applied_twice == [], joins_tally.summary()
    # One table, one call; one call, one answer: each event applied once downstream.
    calls = calls_by_table(tap.events, rid)
    assert {t: len(ids) for t, ids in calls.items() if len(ids) != 1} == {}
    answers = answers_by_party(tap.events)
    assert {p: len(answers[p]) for p in called if len(answers[p]) != 1} == {}
    # The API agrees: every freed table held for the party called to it, every party once.
    floor, queue = await floor_and_queue(client, place)
    holders = {t["id"]: t.get("party_id") for t in floor if t["status"] == "held"}
    assert holders == {e["data"]["table_id"]: pid for pid, e in called.items()}
    listed = [p["id"] for p in queue]
    assert len(listed) == len(set(listed))
    assert set(acknowledged) <= set(listed)
    assert {p["id"]: p["table_id"] for p in queue if p["status"] == "called"} == {
        pid: e["data"]["table_id"] for pid, e in called.items()
    }
    # The notifier made one message per join and one per call, however often it heard them.
    counts = await wait_for_notifications(client, rid, place["owner"], "party_called", list(called))
    twice = {k: v for k, v in counts.items() if v > 1}
    assert twice == {}
    assert {("waitlist_joined", pid) for pid in acknowledged} <= set(counts)
    assert {("party_called", pid) for pid in called} <= set(counts)


async def test_consumer_killed_holding_prefetched_messages_loses_nothing(chaos, client, tap):
    """Fault 3: reservations is frozen while a burst of calls is delivered to it (the broker
    has handed them over, unacknowledged), then SIGKILLed and started again."""
    tables, rounds = sized(24, 60), sized(1, 3)
    parked_before = (await chaos.queues())["maitred.reservations.parking"]["messages_ready"]
    for round_ in range(rounds):
        held = await kill_consumer_holding_calls(chaos, client, tap, tables)
        print(f"round {round_}: reservations killed holding {held} unacknowledged messages")
    queues = await chaos.queues()
    # Nothing of ours was parked (other tests may have parked their own poison).
    assert queues["maitred.reservations.parking"]["messages_ready"] == parked_before


async def kill_consumer_holding_calls(
    chaos: FaultStack, client: httpx.AsyncClient, tap: Any, tables: int
) -> int:
    reservations = chaos.instances("reservations")[0]
    place = await new_restaurant(client, pair_tables(tables), settings={"strategy": "fifo"})
    rid = place["rid"]
    await tap.wait_for("reservations.table.created.v1", count=tables, restaurant_id=rid)
    # No pause for the waitlist to apply them: a join finding a free table is called at once,
    # and a table the waitlist learns of later goes to the first party then waiting (it offers
    # free tables on every table report), so every table gets a call either way, which the
    # test waits for below.
    # Frozen first: each call is delivered to a consumer that cannot acknowledge it.
    await chaos.freeze(reservations)
    held = 0
    try:
        parties = await bounded_gather(tables, 8, lambda n: join(client, chaos, rid, n))
        assert all(o.status == 201 for o in parties), [o.status for o in parties]
        await until(lambda: len(calls_by_table(tap.events, rid)) == tables, 30,
                    "the waitlist called a party to every table")  # fmt: skip
        # The broker hands the calls to the frozen consumer (its counters lag a little).
        for _ in range(20):
            queues = await chaos.queues()
            held = queues["maitred.reservations"]["messages_unacknowledged"]
            if held:
                break
            await asyncio.sleep(0.5)
    finally:
        await chaos.kill(reservations)
        await chaos.thaw(reservations)
        await chaos.start(reservations)
    assert held > 0, queues["maitred.reservations"]

    called = {e["data"]["party_id"]: e["data"]["table_id"] for e in tap.events
              if e["type"] == CALLED and e["data"]["restaurant_id"] == rid}  # fmt: skip
    await until(lambda: set(called) <= set(answers_by_party(tap.events)), 60,
                "reservations answered every call after its restart")  # fmt: skip
    answers = answers_by_party(tap.events)
    assert {p: len(answers[p]) for p in called if len(answers[p]) != 1} == {}
    floor, queue = await floor_and_queue(client, place)
    assert {t["id"]: t.get("party_id") for t in floor if t["status"] == "held"} == {
        tid: pid for pid, tid in called.items()
    }
    assert {p["id"]: p["table_id"] for p in queue if p["status"] == "called"} == called
    return held
