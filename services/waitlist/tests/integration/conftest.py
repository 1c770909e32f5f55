"""The waitlist served in-process on this run's database and broker vhost, with a movable clock.

Tests talk to it as the gateway and the reservations service would: HTTP calls with the
internal principal header, and CloudEvents published to `maitred.events`. They watch what
it publishes on a queue of their own bound to the exchange.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import httpx
import pytest

from maitred_contracts import (
    CONTENT_TYPE,
    CloudEvent,
    EventData,
    RestaurantCreated,
    TableCreated,
)
from maitred_messaging.testing import serve_app, staff_headers, wait_until
from maitred_platform.migrations import upgrade_async
from maitred_platform.provision import ServiceDatabase
from waitlist.bootstrap import create_app
from waitlist.config import Settings

EXCHANGE = "maitred.events"
_sequence = itertools.count(1_000)


class MovableClock:
    """Real time plus an offset a test can push forward (deadlines without sleeping).

    Each test starts at real time (`reset`, autouse below); one that depends on the time of
    day sets it first (`set_local_time`), so its outcome does not depend on when it runs.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def reset(self) -> None:
        self.offset = timedelta()

    def set_local_time(self, at: time, zone: str) -> None:
        """Moves the clock to `at` on the current day in `zone`."""
        local_now = datetime.now(UTC).astimezone(ZoneInfo(zone))
        target = datetime.combine(local_now.date(), at, tzinfo=ZoneInfo(zone))
        self.offset = target - datetime.now(UTC)


class Broker:
    """Publishes reservations events and records every waitlist event, as integrators do.

    Events are stamped with the test's clock, as the reservations service, on the same
    (moved) time as the waitlist, would stamp them.
    """

    def __init__(self, channel: aio_pika.abc.AbstractChannel, clock: MovableClock) -> None:
        self.channel = channel
        self.clock = clock
        self.seen: list[CloudEvent] = []
        self.exchange: aio_pika.abc.AbstractExchange | None = None
        self.queue: aio_pika.abc.AbstractQueue | None = None

    async def start(self) -> None:
        self.exchange = await self.channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self.queue = await self.channel.declare_queue(exclusive=True)
        await self.queue.bind(self.exchange, "waitlist.#")
        await self.queue.consume(self._record, no_ack=True)

    async def _record(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.seen.append(CloudEvent.from_json(message.body))

    async def publish(
        self, data: EventData, *, sequence: int | None = None, event_id: str | None = None
    ) -> CloudEvent:
        event = CloudEvent.build(
            data,
            id=event_id,
            time=self.clock(),
            sequence=sequence if sequence is not None else next(_sequence),
        )
        await self.send(event)
        return event

    async def send(self, event: CloudEvent) -> None:
        assert self.exchange is not None
        message = aio_pika.Message(
            body=event.to_json(),
            content_type=CONTENT_TYPE,
            message_id=event.id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={"restaurantid": event.restaurantid or ""},
        )
        await self.exchange.publish(message, routing_key=event.type)

    def events(self, event_type: str, **data: Any) -> list[CloudEvent]:
        """Seen events of a type whose data has these values (ids compared as strings)."""
        wanted = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}
        return [
            e
            for e in self.seen
            if e.type == event_type and all(e.data.get(k) == v for k, v in wanted.items())
        ]

    async def wait_for(
        self, event_type: str, count: int = 1, timeout: float = 15, **data: Any
    ) -> list[CloudEvent]:
        async def enough() -> bool:
            return len(self.events(event_type, **data)) >= count

        await wait_until(enough, timeout)
        return self.events(event_type, **data)


@pytest.fixture(scope="session")
async def waitlist_database(databases: dict[str, ServiceDatabase]) -> str:
    url = databases["waitlist"].url
    await upgrade_async("waitlist", url)
    return url


@pytest.fixture(scope="session")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(autouse=True)
def clock_at_real_time(clock: MovableClock) -> None:
    """Every test starts at real time, whatever the tests before it did to the clock."""
    clock.reset()


@pytest.fixture(scope="session")
def service_settings(waitlist_database: str, amqp_url: str) -> Settings:
    return Settings(
        database_url=waitlist_database,
        amqp_url=amqp_url,
        environment="test",
        timer_interval_seconds=0.05,
    )


@pytest.fixture(scope="session")
async def client(
    service_settings: Settings, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(service_settings, clock)
    async with serve_app(app) as http:

        async def ready() -> bool:
            return (await http.get("/health/ready")).status_code == 200

        await wait_until(ready, 30)
        yield http


@pytest.fixture(scope="session")
async def broker(
    amqp_url: str, client: httpx.AsyncClient, clock: MovableClock
) -> AsyncIterator[Broker]:
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        watcher = Broker(await connection.channel(), clock)
        await watcher.start()
        yield watcher


@pytest.fixture(scope="session")
def internal_key(service_settings: Settings) -> str:
    return service_settings.internal_key


StaffHeaders = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def as_staff(internal_key: str) -> StaffHeaders:
    """Headers of a staff member: `as_staff(rid)` is its owner, `as_staff(rid, role="host")`."""

    def headers(restaurant_id: uuid.UUID, role: str = "owner") -> dict[str, str]:
        return staff_headers(uuid.uuid4(), {restaurant_id: role}, internal_key)

    return headers


class Restaurant:
    def __init__(self, rid: uuid.UUID, tables: dict[str, uuid.UUID]) -> None:
        self.id = rid
        self.tables = tables


OpenRestaurant = Callable[..., Any]


@pytest.fixture
def open_restaurant(broker: Broker, client: httpx.AsyncClient) -> OpenRestaurant:
    """Publishes a restaurant and its tables as the reservations service would.

    The restaurant's event goes last: once the waitlist knows it, its tables (same
    restaurant, same consumer lane, published before) are known too.
    """

    async def create(tables: dict[str, tuple[int, str]], max_party_size: int = 8) -> Restaurant:
        rid = uuid.uuid4()
        ids: dict[str, uuid.UUID] = {}
        for label, (capacity, status) in tables.items():
            ids[label] = uuid.uuid4()
            await broker.publish(
                TableCreated(
                    restaurant_id=rid,
                    table_id=ids[label],
                    label=label,
                    capacity=capacity,
                    kind="counter" if label.startswith("Bar") else "table",
                    status=status,  # type: ignore[arg-type]
                )
            )
        example = RestaurantCreated.example()
        await broker.publish(
            example.model_copy(update={"restaurant_id": rid, "max_party_size": max_party_size})
        )

        async def known() -> bool:
            return (await client.get(f"/v1/restaurants/{rid}/waitlist")).status_code == 200

        await wait_until(known, 15)
        return Restaurant(rid, ids)

    return create


class Api:
    """The waitlist's HTTP API as the gateway calls it."""

    def __init__(self, client: httpx.AsyncClient, as_staff: StaffHeaders) -> None:
        self.client = client
        self.as_staff = as_staff

    async def join(self, rid: uuid.UUID, **body: Any) -> httpx.Response:
        body = {"name": "Alex", "party_size": 2, **body}
        return await self.client.post(f"/v1/restaurants/{rid}/waitlist/parties", json=body)

    async def joined(self, rid: uuid.UUID, **body: Any) -> dict[str, Any]:
        answer = await self.join(rid, **body)
        assert answer.status_code == 201, answer.text
        party: dict[str, Any] = answer.json()
        return party

    async def party(self, party: dict[str, Any]) -> dict[str, Any]:
        answer = await self.client.get(f"/v1/parties/{party['id']}", headers=bearer(party))
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def staff_action(
        self, rid: uuid.UUID, party: dict[str, Any], action: str, **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/parties/{party['id']}/{action}", headers=self.as_staff(rid), json=body or None
        )

    async def queue(self, rid: uuid.UUID) -> list[dict[str, Any]]:
        answer = await self.client.get(
            f"/v1/restaurants/{rid}/waitlist/parties", headers=self.as_staff(rid)
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    async def status_becomes(self, party: dict[str, Any], status: str) -> dict[str, Any]:
        async def reached() -> bool:
            return (await self.party(party))["status"] == status

        await wait_until(reached, 15)
        return await self.party(party)


def bearer(party: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {party['party_token']}"}


@pytest.fixture(scope="session")
def api(client: httpx.AsyncClient, as_staff: StaffHeaders) -> Api:
    return Api(client, as_staff)
