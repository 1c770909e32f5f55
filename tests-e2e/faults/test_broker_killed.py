"""RabbitMQ killed with `kill -9` for 10 s while diners join, then restarted (fault 1).

A broker node of the test's own runs under a stack of its own. Joins are acknowledged from
the database alone (the outbox), so they keep answering 201 while the broker is dead; after
the restart every acknowledged join reaches an integrator's durable queue once (re-sent
copies keep their CloudEvents id), in commit order; what was in the quorum queues when the
broker died is still there; every service is ready again within 30 s.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest

from maitred_messaging.topology import EXCHANGE

from .chaos import (
    FaultStack,
    Outcome,
    bounded_gather,
    call,
    fault_stack,
    out_of_order,
    per_party_out_of_order,
    sized,
    tally,
    unique_phone,
    wait_for_notifications,
)
from .conftest import new_restaurant
from .private_broker import PrivateBroker, available

pytestmark = [pytest.mark.faults, pytest.mark.slow]

JOINED = "waitlist.party.joined.v1"
INTEGRATOR_QUEUE = "integrator.everything"
TABLES = [{"label": f"T{n}", "capacity": 4, "kind": "table"} for n in range(1, 4)]


@pytest.fixture(scope="module")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrivateBroker]:
    reason = available()
    if reason:
        pytest.fail(f"no private RabbitMQ node: {reason}")
    node = PrivateBroker(tmp_path_factory.mktemp("rabbitmq"))
    await node.start()
    try:
        yield node
    finally:
        await node.kill()


@pytest.fixture(scope="module")
async def killable(
    broker: PrivateBroker, postgres_admin_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[FaultStack]:
    name = f"maitred_test_{test_run_id}_killed"
    async with fault_stack(
        postgres_admin_url, broker.url, redis_url, name, own_broker=True
    ) as running:
        yield running


@pytest.fixture
async def client(killable: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=killable.gateway, timeout=20, limits=limits) as http:
        yield http


async def declare_integrator_queue(url: str) -> None:
    """An integrator's durable (quorum) queue bound to every event, as one would set up."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            INTEGRATOR_QUEUE, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(exchange, "#")


async def drain(url: str, until: Any, timeout: float) -> list[dict[str, Any]]:
    """Every event in the integrator's queue, acknowledged one by one, until `until(events)`."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=200)
        queue = await channel.get_queue(INTEGRATOR_QUEUE)
        async with queue.iterator() as messages:
            while time.monotonic() < deadline and not until(events):
                try:
                    message = await asyncio.wait_for(anext(messages), timeout=1)
                except TimeoutError:
                    continue
                async with message.process():
                    events.append(json.loads(message.body))
    return events


async def test_rabbitmq_killed_10s_during_joins_loses_and_doubles_nothing(
    broker: PrivateBroker, killable: FaultStack, client: httpx.AsyncClient
) -> None:
    count = sized(150, 500)
    await declare_integrator_queue(broker.url)
    place = await new_restaurant(client, TABLES, settings={"mode": "manual"})
    rid = place["rid"]
    answered: list[Outcome] = []

    async def one(n: int) -> Outcome:
        body: dict[str, Any] = {"name": f"Guest {n}", "party_size": 1 + n % 4}
        if n % 2 == 0:
            body["phone"] = unique_phone()
            killable.secrets.add(body["phone"])
        outcome = await call(client, "POST", f"/v1/restaurants/{rid}/waitlist/parties", json=body)
        answered.append(outcome)
        if outcome.status == 201:
            killable.secrets.add(outcome.body["party_token"])
        return outcome

    async def outage() -> tuple[float, float]:
        while len(answered) < count // 5:  # the broker dies in the middle of the rush
            await asyncio.sleep(0.01)
        await broker.kill()
        await asyncio.sleep(10)
        boot = await broker.start()
        return time.monotonic(), boot

    outcomes, (restarted_at, boot) = await asyncio.gather(bounded_gather(count, 16, one), outage())
    statuses = [o.status for o in outcomes]
    # The outbox decouples the answer from the broker: every join was acknowledged.
    assert statuses.count(201) == count, sorted(set(statuses))
    party_ids = [o.body["id"] for o in outcomes]

    await killable.ready_within(30)
    ready_after = time.monotonic() - restarted_at

    def complete(events: list[dict[str, Any]]) -> bool:
        return not tally(events, JOINED, "party_id", party_ids).lost

    events = await drain(broker.url, complete, timeout=60)
    result = tally(events, JOINED, "party_id", party_ids)
    print(
        f"rabbitmq kill -9 for 10 s: {result.summary()}; node back in {boot:.1f} s, "
        f"stack ready {ready_after:.1f} s after the restart"
    )
    assert result.lost == [], result.summary()
    assert result.applied_twice == [], result.summary()
    assert ready_after <= 30
    assert out_of_order(events, "waitlist.") == []
    assert per_party_out_of_order(events, "waitlist.") == []
    # What the host sees: every acknowledged party once, in the order they were answered.
    r = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=place["owner"])
    assert r.status_code == 200, r.text
    listed = [p["id"] for p in r.json()["items"]]
    by_position = sorted(outcomes, key=lambda o: o.body["position"])
    assert [o.body["id"] for o in by_position] == listed
    # What the notifier made of it (its quorum queue outlived the broker): one "you joined"
    # message per party, none twice.
    counts = await wait_for_notifications(client, rid, place["owner"], "waitlist_joined", party_ids)
    joined_messages = {k: v for k, v in counts.items() if k[0] == "waitlist_joined"}
    assert {pid for _, pid in joined_messages} == set(party_ids)
    assert [k for k, v in joined_messages.items() if v > 1] == []
