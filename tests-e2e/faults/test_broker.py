"""The broker goes away (connections reset, or the network black-holed) while diners join.

Joins are acknowledged from the database alone (the outbox), so they keep answering 201;
every acknowledged join reaches an integrator once the broker is back, each as one event
(re-sent copies keep their CloudEvents id), in the order the waitlist committed them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from .chaos import (
    FaultStack,
    Outcome,
    bounded_gather,
    call,
    instance_health,
    out_of_order,
    per_party_out_of_order,
    sized,
    tally,
    unique_phone,
    wait_for_notifications,
)
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

JOINED = "waitlist.party.joined.v1"
TABLES = [{"label": f"T{n}", "capacity": 4, "kind": "table"} for n in range(1, 4)]
CONSUMING_QUEUES = ("maitred.waitlist", "maitred.reservations", "maitred.notifier")


def join_body(n: int, chaos: FaultStack) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"Guest {n}", "party_size": 1 + n % 4, "preference": "any"}
    if n % 2 == 0:
        body["phone"] = unique_phone()
        chaos.secrets.add(body["phone"])
    return body


async def join(client: httpx.AsyncClient, chaos: FaultStack, rid: str, n: int) -> Outcome:
    outcome = await call(
        client, "POST", f"/v1/restaurants/{rid}/waitlist/parties", json=join_body(n, chaos)
    )
    if outcome.status == 201:
        chaos.secrets.add(outcome.body["party_token"])
    return outcome


async def queue_ids(client: httpx.AsyncClient, place: dict[str, Any]) -> list[str]:
    r = await client.get(f"/v1/restaurants/{place['rid']}/waitlist/parties", headers=place["owner"])
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


async def events_arrive(tap: Any, expected: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not tally(tap.events, JOINED, "party_id", expected).lost:
            return
        await asyncio.sleep(0.2)


async def test_broker_away_10s_during_joins_loses_and_doubles_nothing(chaos, client, tap):
    """Fault 1: RabbitMQ gone for 10 s (every connection reset, new ones refused) while
    diners join at concurrency 16."""
    count = sized(150, 500)
    place = await new_restaurant(client, TABLES, settings={"mode": "manual"})
    rid = place["rid"]
    acknowledged: list[Outcome] = []

    async def one(n: int) -> Outcome:
        outcome = await join(client, chaos, rid, n)
        acknowledged.append(outcome)
        return outcome

    async def outage() -> float:
        while len(acknowledged) < count // 5:  # the broker goes in the middle of the rush
            await asyncio.sleep(0.01)
        chaos.amqp.cut()
        await asyncio.sleep(10)
        chaos.amqp.restore()
        return time.monotonic()

    outcomes, restored_at = await asyncio.gather(bounded_gather(count, 16, one), outage())
    statuses = [o.status for o in outcomes]
    # The outbox decouples the answer from the broker: every join was acknowledged.
    assert statuses.count(201) == count, sorted(set(statuses))
    party_ids = [o.body["id"] for o in outcomes]

    await chaos.ready_within(30)
    ready_after = time.monotonic() - restored_at
    await events_arrive(tap, party_ids, timeout=60)

    result = tally(tap.events, JOINED, "party_id", party_ids)
    print(f"broker away 10s: {result.summary()}; ready {ready_after:.1f}s after the restore")
    assert result.lost == [], result.summary()
    assert result.applied_twice == [], result.summary()
    assert ready_after <= 30
    assert out_of_order(tap.events, "waitlist.") == []
    assert per_party_out_of_order(tap.events, "waitlist.") == []
    assert not tap.unparseable
    # What the host sees: every acknowledged party once, in the order they were answered.
    listed = await queue_ids(client, place)
    assert sorted(listed) == sorted(party_ids)
    by_position = sorted(outcomes, key=lambda o: o.body["position"])
    assert [o.body["id"] for o in by_position] == listed
    # What the notifier made of it: one "you joined" message per party, none twice.
    counts = await wait_for_notifications(client, rid, place["owner"], "waitlist_joined", party_ids)
    joined_messages = {k: v for k, v in counts.items() if k[0] == "waitlist_joined"}
    assert {pid for _, pid in joined_messages} == set(party_ids)
    assert [k for k, v in joined_messages.items() if v > 1] == []


async def test_broker_black_holed_blocks_no_request_and_consumers_return(chaos, client, tap):
    """Fault 5: packets to and from the broker dropped (nothing refused, nothing closed) for
    20 s: joins still answer 201 within the client's timeout, staff actions too; every
    consuming queue has its consumers back and every event flows within 30 s after."""
    seconds = sized(15, 20)
    place = await new_restaurant(client, TABLES, settings={"mode": "manual"})
    rid, owner = place["rid"], place["owner"]
    table = place["tables"][0]
    before = await chaos.queues()
    assert all(before[q]["consumers"] >= 1 for q in CONSUMING_QUEUES), before

    chaos.amqp.blackhole()
    started = time.monotonic()
    outcomes: list[Outcome] = []
    health: list[tuple[str, int]] = []
    n = 0
    status = "available"
    try:
        async with httpx.AsyncClient(base_url=chaos.gateway, timeout=15) as short:
            while time.monotonic() - started < seconds:
                batch = await asyncio.gather(*(join(short, chaos, rid, n + i) for i in range(4)))
                outcomes.extend(batch)
                n += 4
                status = "out_of_service" if status == "available" else "available"
                patched = await call(
                    short, "PATCH", f"/v1/restaurants/{rid}/tables/{table['id']}",
                    json={"status": status}, headers=owner,
                )  # fmt: skip
                outcomes.append(patched)
                for instance in chaos.stack.all_instances()[::3]:
                    code, _ = await instance_health(instance, timeout=5)
                    health.append((instance.name, code))
                await asyncio.sleep(0.3)
    finally:
        chaos.amqp.unblackhole()
    restored_at = time.monotonic()

    slow = [(o.status, round(o.seconds, 1), o.error) for o in outcomes if o.status == 0]
    assert slow == [], f"requests that blocked past the client's 15 s timeout: {slow}"
    assert {o.status for o in outcomes} <= {200, 201}, [(o.status, o.body) for o in outcomes]
    # Health checks answer (ready or not) rather than hang.
    assert all(code in (200, 503) for _, code in health), health

    await chaos.ready_within(30)
    deadline = restored_at + 30
    while True:
        queues = await chaos.queues()
        if all(queues.get(q, {}).get("consumers", 0) >= 1 for q in CONSUMING_QUEUES):
            break
        assert time.monotonic() < deadline, f"consumers not back within 30 s: {queues}"
        await asyncio.sleep(1)
    party_ids = [o.body["id"] for o in outcomes if o.status == 201]
    await events_arrive(tap, party_ids, timeout=max(5.0, deadline - time.monotonic()))
    result = tally(tap.events, JOINED, "party_id", party_ids)
    print(f"black hole {seconds}s: {result.summary()}")
    assert result.lost == [] and result.applied_twice == [], result.summary()
    assert out_of_order(tap.events, "waitlist.") == []
    # A consumer is applying again: a new status reaches the waitlist's floor.
    status = "out_of_service" if status == "available" else "available"
    r = await client.patch(
        f"/v1/restaurants/{rid}/tables/{table['id']}", json={"status": status}, headers=owner
    )
    assert r.status_code == 200, r.text
    changed = await tap.wait_for(
        "reservations.table.status_changed.v1", table_id=table["id"], status=status
    )
    assert changed
