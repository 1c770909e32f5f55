"""Redis goes away under the gateway. The gateway's stated policy (services/gateway,
adapters/redis_link.py): rate limits fail open; a POST with an Idempotency-Key fails closed
with 503 + Retry-After; realtime keeps delivering live events and answers a resume with
`resync`. Nothing answers 500, and everything is back once Redis is."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from support import Realtime

from maitred_platform.stack import Instance, free_port

from .chaos import FaultStack, Outcome, call, instance_health, unique_phone, wait_ready
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

STATUS = "reservations.table.status_changed.v1"
JOIN_LIMIT_PER_MINUTE = 30  # anonymous joins per address (gateway rate policy)


@pytest.fixture
async def limited_gateway(chaos: FaultStack) -> AsyncIterator[Instance]:
    """One more gateway instance of the stack, with rate limits on."""
    instance = Instance("gateway", len(chaos.instances("gateway")), free_port())
    chaos.stack.extra_env["GATEWAY_RATE_LIMITS_ENABLED"] = "true"
    try:
        await chaos.stack.start_instance(instance)
    finally:
        chaos.stack.extra_env["GATEWAY_RATE_LIMITS_ENABLED"] = "false"
    try:
        await wait_ready([instance], 60)
        yield instance
    finally:
        await chaos.stack.stop_instance(instance)


async def join(http: httpx.AsyncClient, chaos: FaultStack, rid: str, **headers: str) -> Outcome:
    phone = unique_phone("+1347")
    chaos.secrets.add(phone)
    outcome = await call(
        http, "POST", f"/v1/restaurants/{rid}/waitlist/parties",
        json={"name": "Walk-in", "party_size": 2, "phone": phone}, headers=headers,
    )  # fmt: skip
    if outcome.status == 201:
        chaos.secrets.add(outcome.body["party_token"])
    return outcome


async def test_redis_down_follows_the_gateway_policy_and_nothing_500s(
    chaos, client, limited_gateway
):
    """Fault 8."""
    place = await new_restaurant(
        client, [{"label": f"R{n}", "capacity": 4, "kind": "table"} for n in range(3)],
        settings={"mode": "manual"},
    )  # fmt: skip
    rid, owner = place["rid"], place["owner"]
    table = place["tables"][0]
    staff_token = owner["Authorization"].split()[1]
    seen: list[Outcome] = []
    async with httpx.AsyncClient(base_url=limited_gateway.url, timeout=15) as http:
        # Redis up: the address uses up its joins for the minute, and is refused.
        for _ in range(JOIN_LIMIT_PER_MINUTE + 5):
            outcome = await join(http, chaos, rid)
            seen.append(outcome)
            if outcome.status == 429:
                break
        assert seen[-1].status == 429 and seen[-1].headers.get("retry-after"), seen[-1]

        async with Realtime.connect(limited_gateway.url, staff_token) as live:
            await live.subscribe(f"restaurant:{rid}")
            first = await set_status(http, place, table["id"], "out_of_service")
            before = await live.wait_event(STATUS, table_id=table["id"], status="out_of_service")
            assert first.status == 200

            await chaos.redis.refuse()
            try:
                down = [await join(http, chaos, rid) for _ in range(5)]
                keyed = await join(http, chaos, rid, **{"Idempotency-Key": uuid.uuid4().hex})
                login = await call(http, "GET", "/v1/auth/me", headers=owner)
                status, health = await instance_health(limited_gateway)
                moved = await set_status(http, place, table["id"], "available")
                # Live events still reach a connected client ...
                await live.wait_event(STATUS, table_id=table["id"], status="available")
                # ... but a resume cannot be served from the buffer: refetch.
                await live.send(
                    {"type": "resume", "channel": f"restaurant:{rid}", "after": before["id"]}
                )
                resumed = await next_control(live)
                # A new client can still connect and subscribe.
                async with Realtime.connect(limited_gateway.url, staff_token) as late:
                    await late.subscribe(f"restaurant:{rid}")
            finally:
                await chaos.redis.listen_again()

        # Rate limits fail open: joins past the used-up budget still go through.
        assert [o.status for o in down] == [201] * 5, [(o.status, o.body) for o in down]
        # Idempotency fails closed: the guarded POST is refused, to be retried.
        assert keyed.status == 503 and keyed.headers.get("retry-after"), keyed
        assert login.status == 200 and moved.status == 200
        assert status == 503 and health["checks"]["redis"]["ok"] is False
        assert resumed == {"type": "resync", "channel": f"restaurant:{rid}"}
        seen += [*down, keyed, login, moved]
        assert 500 not in {o.status for o in seen}

        # Redis back: limits and idempotency are back, on their own.
        await wait_ready([limited_gateway], 30)
        # (The first call after the outage may still find a dead pooled connection and
        # fail open once; then the breaker lets it try again.)
        after = []
        for _ in range(5):
            after.append((await join(http, chaos, rid)).status)
            if after[-1] == 429:  # the minute's budget is still used up
                break
            await asyncio.sleep(1.2)
        assert after[-1] == 429, after
        print(f"redis back: joins until limited again: {after}")
    # Idempotency is back at once: a keyed join is answered, and its retry replays that
    # answer (a pooled connection that died with Redis is retried on a new one).
    await wait_ready(chaos.instances("gateway")[:2], 30)
    body = {"name": "Keyed", "party_size": 2}
    path = f"/v1/restaurants/{rid}/waitlist/parties"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await call(client, "POST", path, headers=key, json=body)
    replay = await call(client, "POST", path, headers=key, json=body)
    assert (first.status, replay.status) == (201, 201), (first, replay)
    assert replay.body["id"] == first.body["id"]
    assert replay.headers.get("idempotent-replayed") == "true"


async def set_status(http: httpx.AsyncClient, place: dict, tid: str, status: str) -> Outcome:  # type: ignore[type-arg]
    return await call(
        http, "PATCH", f"/v1/restaurants/{place['rid']}/tables/{tid}",
        json={"status": status}, headers=place["owner"],
    )  # fmt: skip


async def next_control(live: Realtime) -> dict:  # type: ignore[type-arg]
    """The next message that is not a live event or a ping."""
    for _ in range(50):
        message = await live.next_message(timeout=10)
        if message.get("type") not in ("event", "ping", "pong"):
            return message
    raise AssertionError("no answer to the resume")
