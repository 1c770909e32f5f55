"""A migrated reservations schema, the app served in-process, and an event observer."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from maitred_messaging.testing import serve_app, staff_headers, wait_until
from maitred_platform.migrations import upgrade_async
from maitred_platform.provision import ServiceDatabase
from reservations.bootstrap import create_app
from reservations.config import Settings

PARIS = ZoneInfo("Europe/Paris")
EVERY_EVENING = [{"weekday": d, "opens": "12:00", "closes": "02:00"} for d in range(7)]


@pytest.fixture(scope="session")
async def settings(databases: dict[str, ServiceDatabase], amqp_url: str) -> Settings:
    url = databases["reservations"].url
    await upgrade_async("reservations", url)
    # The servers are shared with other test runs: a modest pool, enough for the races.
    return Settings(
        database_url=url, amqp_url=amqp_url, environment="test", db_pool_size=10, db_max_overflow=5
    )


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings)) as http:
        yield http


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url, pool_size=2)
    yield engine
    await engine.dispose()


class EventLog:
    """Every event on maitred.events, as an integrator bound to the exchange sees it."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def collect(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            self.seen.append(json.loads(message.body))

    def of(self, event_type: str, **data: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.seen
            if e["type"] == event_type
            and all(str(e["data"].get(k)) == str(v) for k, v in data.items())
        ]

    async def wait_for(self, event_type: str, **data: Any) -> dict[str, Any]:
        async def arrived() -> bool:
            return bool(self.of(event_type, **data))

        await wait_until(arrived, timeout=15)
        return self.of(event_type, **data)[-1]


@pytest.fixture(scope="session")
async def broker(amqp_url: str) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(amqp_url, timeout=10)
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
async def events(broker: aio_pika.abc.AbstractRobustConnection) -> AsyncIterator[EventLog]:
    log = EventLog()
    channel = await broker.channel()
    exchange = await channel.declare_exchange(
        "maitred.events", aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "#")
    tag = await queue.consume(log.collect)
    yield log
    await queue.cancel(tag)
    await channel.close()


@pytest.fixture(scope="session")
async def publish(
    broker: aio_pika.abc.AbstractRobustConnection,
) -> AsyncIterator[Callable[[Any], Any]]:
    """Publishes a CloudEvent to maitred.events, as the waitlist's relay would."""
    from maitred_contracts import CloudEvent

    channel = await broker.channel(publisher_confirms=True)
    exchange = await channel.declare_exchange(
        "maitred.events", aio_pika.ExchangeType.TOPIC, durable=True
    )

    async def send(data: Any) -> CloudEvent:
        event = CloudEvent.build(data, sequence=1)
        message = aio_pika.Message(
            event.to_json(),
            content_type="application/cloudevents+json",
            message_id=event.id,
            headers={"restaurantid": event.restaurantid},
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, routing_key=event.type, timeout=5)
        return event

    yield send
    await channel.close()


class Staff:
    """A staff member as the gateway forwards them: an id and memberships, signed."""

    def __init__(self, key: str) -> None:
        self.id = uuid.uuid4()
        self.key = key
        self.memberships: dict[uuid.UUID, str] = {}

    def headers(self) -> dict[str, str]:
        return staff_headers(self.id, self.memberships, self.key)


@pytest.fixture
def owner(settings: Settings) -> Staff:
    return Staff(settings.internal_key)


@pytest.fixture
def outsider(settings: Settings) -> Staff:
    return Staff(settings.internal_key)


def restaurant_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Le Petit Zinc",
        "phone": "+33142868200",
        "timezone": "Europe/Paris",
        "opening_hours": EVERY_EVENING,
    }
    body.update(overrides)
    return body


async def open_restaurant(
    client: httpx.AsyncClient,
    owner: Staff,
    capacities: tuple[int, ...] = (2, 4, 6),
    **overrides: Any,
) -> dict[str, Any]:
    """A restaurant open every day 12:00-02:00 with tables T<capacity>; the caller owns it."""
    answer = await client.post(
        "/v1/restaurants", json=restaurant_body(**overrides), headers=owner.headers()
    )
    assert answer.status_code == 201, answer.text
    restaurant = answer.json()
    owner.memberships[uuid.UUID(restaurant["id"])] = "owner"
    if capacities:
        tables = [{"label": f"T{c}-{i}", "capacity": c} for i, c in enumerate(capacities)]
        added = await client.post(
            f"/v1/restaurants/{restaurant['id']}/tables/batch",
            json={"tables": tables},
            headers=owner.headers(),
        )
        assert added.status_code == 201, added.text
        restaurant["tables"] = added.json()["items"]
    return restaurant


def evening(days_ahead: int = 7, hour: int = 19) -> datetime:
    """A future local evening slot in Paris."""
    day = date.today() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def booking_body(starts_at: datetime, party_size: int = 2, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "starts_at": starts_at.isoformat(),
        "party_size": party_size,
        "name": "Camille",
        "phone": "+33612345678",
    }
    body.update(overrides)
    return body


async def row_count(db: AsyncEngine, sql: str, **params: Any) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def gather(*calls: Any) -> list[Any]:
    return list(await asyncio.gather(*calls))
