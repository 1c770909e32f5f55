"""Poison messages: events of a consumed type that cannot be applied. Each is retried with
back-off, then parked in `maitred.<service>.parking` for ops to inspect and replay, while the
healthy events behind it keep being applied."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest

from .chaos import FaultStack, sized
from .conftest import new_restaurant
from .test_processes import CALLED, answers_by_party, full_house, join, set_status

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

PARKED_BY = ("maitred.reservations.parking", "maitred.notifier.parking")


def poison_event(rid: str) -> dict[str, Any]:
    """A well-formed envelope whose data breaks the party.called schema."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tests/poison",
        "type": CALLED,
        "subject": "party/poison",
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "restaurantid": rid,
        "sequence": 1,
        "data": {"party_id": "not-a-uuid", "restaurant_id": rid, "table_id": 42},
    }


async def publish(chaos: FaultStack, body: bytes, message_id: str, rid: str) -> None:
    connection = await aio_pika.connect(chaos.direct_amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("maitred.events")
        await exchange.publish(
            aio_pika.Message(
                body, message_id=message_id, content_type="application/cloudevents+json",
                headers={"restaurantid": rid}, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=CALLED,
        )  # fmt: skip


async def parked(chaos: FaultStack, queue_name: str) -> dict[str, dict[str, Any]]:
    """The messages in a parking queue (looked at, left in place): id -> headers."""
    connection = await aio_pika.connect(chaos.direct_amqp_url)
    found: dict[str, dict[str, Any]] = {}
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, passive=True)
        while (message := await queue.get(no_ack=False, fail=False, timeout=5)) is not None:
            found[str(message.message_id)] = dict(message.headers or {})
        # Closing the channel unacknowledged puts every message back.
    return found


async def test_poison_events_are_parked_while_healthy_calls_keep_flowing(chaos, client, tap):
    """Fault 6: one unreadable body and one event whose data breaks its schema, both of a type
    reservations and the notifier consume."""
    tables = sized(6, 12)
    place = await new_restaurant(
        client, [{"label": f"H{n}", "capacity": 2, "kind": "table"} for n in range(tables)]
    )
    rid = place["rid"]
    await full_house(client, tap, place)
    for n in range(tables + 2):
        assert (await join(client, chaos, rid, n)).status == 201

    bad_schema = poison_event(rid)
    garbage_id = str(uuid.uuid4())
    await publish(chaos, json.dumps(bad_schema).encode(), bad_schema["id"], rid)
    await publish(chaos, b'{"specversion": "1.0", "id": ', garbage_id, rid)
    poisoned_at = time.monotonic()

    # Healthy traffic behind the poison: each freed table is held for the party called to it.
    slowest = 0.0
    for table in place["tables"]:
        freed_at = time.monotonic()
        assert (await set_status(client, place, table["id"], "available")).status == 200
        call = (await tap.wait_for(CALLED, table_id=table["id"], timeout=20))[0]
        party = call["data"]["party_id"]
        deadline = time.monotonic() + 20
        while not answers_by_party(tap.events).get(party):
            assert time.monotonic() < deadline, f"no hold for {party} behind the poison"
            await asyncio.sleep(0.1)
        slowest = max(slowest, time.monotonic() - freed_at)
        await asyncio.sleep(1.0)
    print(f"healthy calls behind the poison: slowest free->held {slowest:.1f}s")

    # Retried at 1, 5 and 25 s, then parked: give it the back-off plus a margin.
    deadline = poisoned_at + 31 + 30
    while True:
        found = {name: await parked(chaos, name) for name in PARKED_BY}
        if all({bad_schema["id"], garbage_id} <= set(ids) for ids in found.values()):
            break
        assert time.monotonic() < deadline, {n: list(ids) for n, ids in found.items()}
        await asyncio.sleep(2)
    for ids in found.values():
        assert int(ids[bad_schema["id"]].get("x-maitred-attempt", 0)) == 4  # 1 + 3 retries
        assert ids[garbage_id].get("x-maitred-parked") == "unreadable"
    # The poison changed nothing: every table still held by the party called to it.
    r = await client.get(f"/v1/restaurants/{rid}/tables", headers=place["owner"])
    assert {t["status"] for t in r.json()["items"]} == {"held"}
    with contextlib.suppress(Exception):
        await chaos.ready_within(30)
