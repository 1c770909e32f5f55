"""A gateway is killed under many WebSocket clients. Each client reconnects with back-off,
resumes its channel after the last event id it saw, and must end with every event of the
channel exactly once, in order — or be told `resync` (then it refetches a snapshot)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from maitred_messaging.testing import staff_headers

from .chaos import FaultStack, sized
from .conftest import new_restaurant
from .ws_crowd import Reported, crowd

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

CHANNEL_PREFIXES = ("reservations.table.", "waitlist.", "reservations.reservation.")


async def staff_id(client: httpx.AsyncClient, owner: dict[str, str]) -> uuid.UUID:
    r = await client.get("/v1/auth/me", headers=owner)
    assert r.status_code == 200, r.text
    return uuid.UUID(r.json()["id"])


async def host_moves(
    chaos: FaultStack,
    place: dict[str, Any],
    headers: Callable[[], dict[str, str]],
    stop: asyncio.Event,
) -> int:
    """The host keeps changing tables, straight at reservations (the gateway may be down)."""
    base = chaos.instances("reservations")[0].url
    moves = 0
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while not stop.is_set():
            for table in place["tables"]:
                status = "out_of_service" if moves % 2 == 0 else "available"
                r = await http.patch(
                    f"/v1/restaurants/{place['rid']}/tables/{table['id']}",
                    json={"status": status}, headers=headers(),
                )  # fmt: skip
                assert r.status_code == 200, r.text
            moves += 1
            await asyncio.sleep(0.3)
    return moves


def channel_events(tap_events: list[dict[str, Any]], rid: str) -> list[str]:
    ids: list[str] = []
    for event in tap_events:
        if (
            event.get("restaurantid") == rid
            and event["type"].startswith(CHANNEL_PREFIXES)
            and event["id"] not in ids
        ):
            ids.append(event["id"])
    return ids


async def kill_gateway_under_clients(
    chaos: FaultStack, client: httpx.AsyncClient, tap: Any, *, every_gateway: bool
) -> tuple[list[Reported], list[str]]:
    place = await new_restaurant(
        client, [{"label": f"W{n}", "capacity": 2, "kind": "table"} for n in range(2)],
        settings={"mode": "manual"},
    )  # fmt: skip
    rid, owner = place["rid"], place["owner"]
    token = owner["Authorization"].split()[1]
    sid = await staff_id(client, owner)

    def principal() -> dict[str, str]:  # signed afresh: a principal lives for a minute
        return staff_headers(sid, {uuid.UUID(rid): "owner"}, chaos.stack.internal_key)

    gateway, other = chaos.instances("gateway")[:2]
    url = gateway.url.replace("http://", "ws://") + "/v1/realtime"
    stop_host = asyncio.Event()
    async with crowd(url, token, f"restaurant:{rid}", sized(50, 1000)) as clients:
        try:
            first_event_at = len(tap.events)
            host = asyncio.create_task(host_moves(chaos, place, principal, stop_host))
            await asyncio.sleep(2)
            if every_gateway:
                await chaos.stack.stop_instance(other)
            await chaos.kill(gateway)
            await asyncio.sleep(3)  # events keep happening while the gateway is down
            await chaos.start(gateway)
            if every_gateway:
                await chaos.start(other)
            await asyncio.sleep(3)
            stop_host.set()
            await host
            expected: list[str] = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                expected = channel_events(tap.events[first_event_at:], rid)
                if await clients.has(expected):
                    break
        finally:
            stop_host.set()
        return await clients.report(), expected


def gaps_and_duplicates(
    clients: list[Reported], expected: list[str], tap_events: list[dict[str, Any]]
) -> dict[str, int]:
    """Over clients not told to resync: events missed, received twice, and received after a
    later event of the same service (`sequence`; services are not ordered among themselves)."""
    sequence = {e["id"]: (e["source"], int(e["sequence"])) for e in tap_events}
    wanted = set(expected)
    missing = duplicated = out_of_order = 0
    for c in clients:
        if c.resyncs:
            continue
        ids = [m["id"] for m in c.received if m["id"] in wanted]
        missing += len(wanted - set(ids))
        duplicated += len(ids) - len(set(ids))
        newest: dict[str, int] = {}
        for event_id in dict.fromkeys(ids):
            source, seq = sequence[event_id]
            if seq < newest.get(source, -1):
                out_of_order += 1
            newest[source] = max(seq, newest.get(source, -1))
    return {"missing": missing, "duplicated": duplicated, "out_of_order": out_of_order}


async def test_gateway_killed_under_websocket_clients_they_resume_without_gaps(chaos, client, tap):
    """Fault 7: one of two gateway instances is SIGKILLed and started again; its clients
    reconnect to it and resume from the replay buffer the other instance kept writing."""
    clients, expected = await kill_gateway_under_clients(chaos, client, tap, every_gateway=False)
    counts = gaps_and_duplicates(clients, expected, tap.events)
    resynced = sum(1 for c in clients if c.resyncs)
    print(f"{len(clients)} clients, {len(expected)} events: {counts}, resync={resynced}")
    assert all(c.reconnects for c in clients)
    assert counts == {"missing": 0, "duplicated": 0, "out_of_order": 0}


async def test_all_gateways_restarted_clients_miss_nothing_or_are_told_to_resync(
    chaos, client, tap
):
    """Fault 7, the whole tier: every gateway goes down while events keep happening."""
    clients, expected = await kill_gateway_under_clients(chaos, client, tap, every_gateway=True)
    counts = gaps_and_duplicates(clients, expected, tap.events)
    skipped = sum(
        1 for c in clients if not c.resyncs and set(expected) - {m["id"] for m in c.received}
    )
    resynced = sum(1 for c in clients if c.resyncs)
    print(f"{len(clients)} clients, {len(expected)} events: {counts}, resync={resynced}, "
          f"silently skipped={skipped}")  # fmt: skip
    with contextlib.suppress(Exception):
        await chaos.ready_within(30)
    assert counts["missing"] == 0 and counts["duplicated"] == 0
