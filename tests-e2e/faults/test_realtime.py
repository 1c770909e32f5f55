"""A gateway is killed under many WebSocket clients. Each client reconnects with back-off,
resumes its channel after the last event id it saw, and must end with every event of the
channel exactly once, in order — or be told `resync` (then it refetches a snapshot)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import websockets

from maitred_messaging.testing import staff_headers

from .chaos import FaultStack, sized
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

CHANNEL_PREFIXES = ("reservations.table.", "waitlist.", "reservations.reservation.")


@dataclass
class Client:
    """One realtime client: it reconnects with jittered back-off and resumes."""

    url: str
    token: str
    channel: str
    received: list[dict[str, Any]] = field(default_factory=list)
    resyncs: int = 0
    reconnects: int = 0
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        delay = 0.2
        while not self.stop.is_set():
            try:
                await self._session()
                delay = 0.2
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            if self.stop.is_set():
                return
            self.reconnects += 1
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    async def _session(self) -> None:
        async with websockets.connect(self.url, open_timeout=5, close_timeout=1) as ws:
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            ready = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert ready["type"] == "ready", ready
            if self.received:
                after = self.received[-1]["id"]
                await ws.send(json.dumps({"type": "resume", "channel": self.channel,
                                          "after": after}))  # fmt: skip
            else:
                await ws.send(json.dumps({"type": "subscribe", "channel": self.channel}))
            while not self.stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                message = json.loads(raw)
                if message["type"] == "subscribed":
                    self.subscribed.set()
                elif message["type"] == "event":
                    self.received.append(message)
                elif message["type"] == "resync":
                    self.resyncs += 1
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))


async def staff_id(client: httpx.AsyncClient, owner: dict[str, str]) -> uuid.UUID:
    r = await client.get("/v1/auth/me", headers=owner)
    assert r.status_code == 200, r.text
    return uuid.UUID(r.json()["id"])


async def host_moves(
    chaos: FaultStack, place: dict[str, Any], headers: dict[str, str], stop: asyncio.Event
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
                    json={"status": status}, headers=headers,
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
) -> tuple[list[Client], list[str]]:
    place = await new_restaurant(
        client, [{"label": f"W{n}", "capacity": 2, "kind": "table"} for n in range(2)],
        settings={"mode": "manual"},
    )  # fmt: skip
    rid, owner = place["rid"], place["owner"]
    token = owner["Authorization"].split()[1]
    principal = staff_headers(await staff_id(client, owner), {uuid.UUID(rid): "owner"},
                              chaos.stack.internal_key)  # fmt: skip
    gateway, other = chaos.instances("gateway")[:2]
    url = gateway.url.replace("http://", "ws://") + "/v1/realtime"
    clients = [Client(url, token, f"restaurant:{rid}") for _ in range(sized(50, 200))]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    stop_host = asyncio.Event()
    try:
        await asyncio.wait_for(asyncio.gather(*(c.subscribed.wait() for c in clients)), 60)
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
            if all(c.resyncs or {m["id"] for m in c.received} >= set(expected) for c in clients):
                break
    finally:
        for c in clients:
            c.stop.set()
        stop_host.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return clients, expected


def gaps_and_duplicates(
    clients: list[Client], expected: list[str], tap_events: list[dict[str, Any]]
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
