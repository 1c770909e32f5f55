"""What the end-to-end tests use to act and observe as outsiders do: HTTP, WebSocket, AMQP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import websockets
from cloudevents.core.formats.json import JSONFormat

EXCHANGE = "maitred.events"


@dataclass
class EventTap:
    """An integrator's view: its own queue bound to every event on `maitred.events`."""

    events: list[dict[str, Any]] = field(default_factory=list)
    unparseable: list[bytes] = field(default_factory=list)
    _connection: Any = None

    @classmethod
    @contextlib.asynccontextmanager
    async def listening(cls, amqp_url: str) -> AsyncIterator[EventTap]:
        tap = cls()
        tap._connection = await aio_pika.connect_robust(amqp_url)
        channel = await tap._connection.channel()
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "#")
        await queue.consume(tap._on_message, no_ack=True)
        try:
            yield tap
        finally:
            await tap._connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            # Every event must parse with the CloudEvents SDK, as other systems will parse it.
            JSONFormat().read(None, message.body)
            self.events.append(json.loads(message.body))
        except Exception:
            self.unparseable.append(message.body)

    def of_type(self, event_type: str, **data: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())
        ]

    async def wait_for(
        self, event_type: str, count: int = 1, timeout: float = 15, **data: Any
    ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(found := self.of_type(event_type, **data)) < count:
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} x {event_type} {data}, saw {len(found)}")
            await asyncio.sleep(0.05)
        return found


class Realtime:
    """A WebSocket client speaking the API.md realtime protocol."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, gateway_url: str, token: str) -> AsyncIterator[Realtime]:
        url = gateway_url.replace("http://", "ws://") + "/v1/realtime"
        async with websockets.connect(url, open_timeout=10) as ws:
            client = cls(ws)
            await client.send({"type": "auth", "token": token})
            ready = await client.next_message()
            assert ready["type"] == "ready", ready
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def next_message(self, timeout: float = 10) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        message: dict[str, Any] = json.loads(raw)
        if message.get("type") == "event":
            self.received.append(message)
        return message

    async def subscribe(self, channel: str) -> None:
        await self.send({"type": "subscribe", "channel": channel})
        while True:
            message = await self.next_message()
            if message["type"] in ("subscribed", "error"):
                assert message["type"] == "subscribed", message
                return

    async def wait_event(self, event_type: str, timeout: float = 15, **data: Any) -> dict[str, Any]:
        for message in self.received:
            if message["event"] == event_type and all(
                message["data"].get(k) == v for k, v in data.items()
            ):
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {event_type} {data} on the realtime channel")
            try:
                message = await self.next_message(timeout=remaining)
            except TimeoutError:
                continue
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if (
                message.get("type") == "event"
                and message["event"] == event_type
                and all(message["data"].get(k) == v for k, v in data.items())
            ):
                return message


class Api:
    """The public API through the gateway, as the iOS app and the web pages call it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def staff(self, name: str) -> tuple[str, dict[str, str]]:
        email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
        password = "correct horse battery staple"
        r = await self.client.post(
            "/v1/auth/register", json={"email": email, "password": password, "name": name}
        )
        assert r.status_code == 201, r.text
        r = await self.client.post("/v1/auth/token", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return email, {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def restaurant(
        self, owner: dict[str, str], tables: list[dict[str, Any]], **extra: Any
    ) -> str:
        body = {
            "name": "Journey Bistro",
            "phone": "+14155550111",
            "timezone": "UTC",
            "opening_hours": [
                {"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)
            ],
            **extra,
        }
        r = await self.client.post("/v1/restaurants", json=body, headers=owner)
        assert r.status_code == 201, r.text
        rid = str(r.json()["id"])
        r = await self.client.post(
            f"/v1/restaurants/{rid}/tables/batch", json={"tables": tables}, headers=owner
        )
        assert r.status_code == 201, r.text
        return rid


# Fixed numbers: each journey opens a restaurant of its own, so they never collide.
JOURNEY_PHONES = ("+16465550141", "+16465550142", "+16465550143", "+16465550144")


async def secrets_journey(client: httpx.AsyncClient) -> set[str]:
    """An evening in miniature that puts phones and tokens through every service's logs.

    A staff login, two joins with phones (each answered with a party token), a refused join
    that carries a phone, a booking with a phone (answered with a manage token) and a call to
    the free table; it waits until the notifier has made the diners' messages. Returns every
    phone and token it used, for a test that then looks for them in the log lines.
    """
    api = Api(client)
    _, owner = await api.staff("log-journey")
    secrets = {owner["Authorization"].split()[1], *JOURNEY_PHONES}
    rid = await api.restaurant(owner, [{"label": "L1", "capacity": 4, "kind": "table"}])
    for _ in range(200):
        if (await client.get(f"/v1/restaurants/{rid}/waitlist")).status_code == 200:
            break
        await asyncio.sleep(0.1)
    parties = []
    for phone in JOURNEY_PHONES[:2]:
        r = await client.post(
            f"/v1/restaurants/{rid}/waitlist/parties",
            json={"name": "Log Guest", "party_size": 2, "phone": phone},
        )
        assert r.status_code == 201, r.text
        parties.append(r.json()["id"])
        secrets.add(r.json()["party_token"])
    refused = await client.post(
        f"/v1/restaurants/{rid}/waitlist/parties",
        json={"name": "Log Guest", "party_size": 0, "phone": JOURNEY_PHONES[2]},
    )
    assert refused.status_code == 422, refused.text
    # Any day ahead does: the restaurant is open every day, all day.
    starts = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    r = await client.post(
        f"/v1/restaurants/{rid}/reservations",
        json={
            "starts_at": starts.isoformat(),
            "party_size": 2,
            "name": "Log Booker",
            "phone": JOURNEY_PHONES[3],
        },
    )
    assert r.status_code == 201, r.text
    booking = r.json()["id"]
    secrets.add(r.json()["manage_token"])
    r = await client.get(
        f"/v1/parties/{parties[0]}", headers={"Authorization": "Bearer not-a-token"}
    )
    assert r.status_code in (401, 404), r.text  # a forged token learns nothing
    # The table is free and the waitlist is in auto mode: the first party is called to it.
    wanted = {("waitlist_joined", parties[1]), ("party_called", parties[0])}
    wanted.add(("booking_confirmed", booking))
    for _ in range(300):
        r = await client.get(f"/v1/restaurants/{rid}/notifications", headers=owner)
        assert r.status_code == 200, r.text
        made = {
            (n["kind"], str(n.get("party_id") or n.get("reservation_id")))
            for n in r.json()["items"]
        }
        if wanted <= made:
            return secrets
        await asyncio.sleep(0.2)
    raise AssertionError(f"the notifier never made {sorted(wanted - made)}")
