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
    queue_declare_of,
    sized,
    tally,
    unique_phone,
    wait_for_notifications,
)
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

JOINED = "waitlist.party.joined.v1"
ANSWERS = ("reservations.table.held.v1", "reservations.table.hold_rejected.v1")
TABLES = [{"label": f"T{n}", "capacity": 4, "kind": "table"} for n in range(1, 4)]
SERVICES_CONSUMING = ("waitlist", "reservations", "notifier")
CONSUMING_QUEUES = tuple(f"maitred.{service}" for service in SERVICES_CONSUMING)


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


def consumers_expected(chaos: FaultStack) -> dict[str, int]:
    """One consumer on each consuming queue per instance of the service it belongs to."""
    return {f"maitred.{s}": len(chaos.instances(s)) for s in SERVICES_CONSUMING}


def check(health: dict[str, Any], name: str) -> bool | None:
    """Whether a readiness answer says that check is ok."""
    return ((health.get("checks") or {}).get(name) or {}).get("ok")


async def assert_every_consumer_attached(chaos: FaultStack, when: str) -> None:
    """As the broker lists them now (`list_consumers`, no lagging counter)."""
    found = await chaos.consumers()
    attached = {q: len(found.get(q, [])) for q in CONSUMING_QUEUES}
    assert attached == consumers_expected(chaos), f"{when}: consumers {attached}"


async def test_broker_faults_back_to_back_ready_means_every_consumer_is_back(chaos, client, tap):
    """Faults 6-8, back to back while diners join: RabbitMQ gone 10 s (connections reset),
    then its network black-holed 10 s, then gone again with the network dropping once more
    the moment each service re-declares its queues (its connection and channel are back,
    its consumer is not). Whenever every instance says ready, every consuming queue has
    one consumer per instance on the broker; an instance whose consumer is not back does not
    say ready; deliveries cut off by a fault are not an error storm; events flow after."""
    place = await new_restaurant(client, TABLES, settings={"mode": "manual"})
    rid = place["rid"]
    logged_from = len(chaos.logs)
    await assert_every_consumer_attached(chaos, "before")
    joined: list[Outcome] = []
    done = asyncio.Event()

    async def diners() -> None:  # deliveries are in flight when the broker goes
        n = 0
        while not done.is_set():
            joined.append(await join(client, chaos, rid, n))
            n += 1
            await asyncio.sleep(0.05)

    traffic = asyncio.create_task(diners())
    try:
        await asyncio.sleep(1)
        chaos.amqp.cut()
        await asyncio.sleep(10)
        chaos.amqp.restore()
        ready_after_cut = await chaos.ready_within(30)
        await assert_every_consumer_attached(chaos, "ready after the broker was away")

        await asyncio.sleep(1)
        chaos.amqp.blackhole()
        await asyncio.sleep(10)
        chaos.amqp.unblackhole()
        ready_after_blackhole = await chaos.ready_within(30)
        await assert_every_consumer_attached(chaos, "ready after the black hole")
    finally:
        done.set()
        await traffic
    statuses = sorted({o.status for o in joined})
    assert statuses == [201], statuses  # joins are answered from the database alone

    # Away again; each service reconnects, opens its channel, and the network drops as its
    # consumer re-declares its queues (the parking queue comes first): bytes held, nothing
    # closed. Stalled on that message, not on a timer, every consumer is caught mid-way.
    chaos.amqp.cut()
    services = "|".join(SERVICES_CONSUMING).encode()
    chaos.amqp.stall_at(queue_declare_of(rb"maitred\.(?:" + services + rb")\.parking"))
    await asyncio.sleep(3)
    chaos.amqp.restore()
    consuming = [i for service in SERVICES_CONSUMING for i in chaos.instances(service)]
    deadline = time.monotonic() + 30
    while chaos.amqp.stalled < len(consuming):
        assert time.monotonic() < deadline, f"{chaos.amqp.stalled} of {len(consuming)} stalled"
        await asyncio.sleep(0.2)
    try:
        listed = await chaos.consumers()
        assert {q: listed.get(q, []) for q in CONSUMING_QUEUES} == {q: [] for q in CONSUMING_QUEUES}
        answers = await asyncio.gather(*(instance_health(i) for i in consuming))
        said_ready = {
            i.name: (code, body)
            for i, (code, body) in zip(consuming, answers, strict=True)
            if code != 503 or check(body, "consumer") is not False
        }
        assert said_ready == {}, f"ready before its consumer was back: {said_ready}"
        # Not ready for that reason alone: the connection itself is back.
        assert all(check(body, "broker") for _, body in answers), answers
    finally:
        chaos.amqp.release()
    ready_after_stall = await chaos.ready_within(30)
    await assert_every_consumer_attached(chaos, "ready after the stalled recovery")

    # Events flow end to end: the waitlist learns of a new restaurant and its free table and
    # calls a party to it, reservations holds the table, the notifier tells the party.
    fresh = await new_restaurant(
        client, [{"label": "E1", "capacity": 2, "kind": "table"}], settings={"strategy": "fifo"}
    )
    phone = unique_phone()
    chaos.secrets.add(phone)
    r = await client.post(
        f"/v1/restaurants/{fresh['rid']}/waitlist/parties",
        json={"name": "After the faults", "party_size": 2, "phone": phone},
    )
    assert r.status_code == 201, r.text
    chaos.secrets.add(r.json()["party_token"])
    party = r.json()["id"]
    await tap.wait_for("waitlist.party.called.v1", party_id=party, timeout=30)
    deadline = time.monotonic() + 30
    while not any(e["type"] in ANSWERS and e["data"].get("party_id") == party for e in tap.events):
        assert time.monotonic() < deadline, "reservations never answered the call"
        await asyncio.sleep(0.2)
    called = await wait_for_notifications(
        client, fresh["rid"], fresh["owner"], "party_called", [party]
    )
    assert ("party_called", party) in called, called
    # Every join of the faults reached the notifier once, and integrators once.
    acknowledged = [o.body["id"] for o in joined]
    owner = place["owner"]
    counts = await wait_for_notifications(client, rid, owner, "waitlist_joined", acknowledged)
    assert {pid for kind, pid in counts if kind == "waitlist_joined"} == set(acknowledged)
    assert [k for k, v in counts.items() if v > 1] == []
    await events_arrive(tap, acknowledged, timeout=30)
    result = tally(tap.events, JOINED, "party_id", acknowledged)
    assert result.lost == [] and result.applied_twice == [], result.summary()
    # A delivery whose channel closed under it is left for the broker to redeliver, quietly.
    lane_errors = [line for line in chaos.logs[logged_from:] if "consumer_lane_error" in line]
    assert lane_errors == [], lane_errors[:3]
    print(
        f"back to back: {result.summary()}; ready {ready_after_cut:.1f}s after the broker "
        f"returned, {ready_after_blackhole:.1f}s after the black hole, "
        f"{ready_after_stall:.1f}s after the stalled recovery was released"
    )
