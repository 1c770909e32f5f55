"""The consumer across broker faults: it counts as consuming only once the broker has its
consumer again, deliveries cut off with their channel are left to the redelivery quietly,
and a consumer left without its channel on a live connection is reopened by hand."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
from sqlalchemy import insert

from maitred_contracts import CloudEvent, RestaurantCreated
from maitred_messaging import add_event
from maitred_messaging import consumer as consumer_module
from maitred_messaging.consumer import EventConsumer, EventHandlers
from maitred_messaging.outbox import inbox_table
from maitred_messaging.relay import OutboxRelay
from maitred_messaging.testing import TcpProxy, wait_until
from maitred_messaging.topology import ConsumerTopology
from maitred_platform.db import asyncpg_dsn


class StallingProxy(TcpProxy):
    """A TcpProxy that can also hold what a client sends, from the first bytes that match a
    pattern until `release()`: the network drops at a chosen step, the connection stays."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.pattern: re.Pattern[bytes] | None = None
        self.stalled = 0
        self.released = asyncio.Event()
        self.released.set()

    def stall_at(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern, self.stalled = pattern, 0
        self.released.clear()

    def release(self) -> None:
        self.pattern = None
        self.released.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})

        async def pipe(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, from_client: bool
        ) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    pattern = self.pattern
                    if from_client and pattern is not None and pattern.search(data):
                        self.stalled += 1
                        await self.released.wait()
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))


def queue_declare_of(name: str) -> re.Pattern[bytes]:
    """AMQP 0-9-1 queue.declare (class 50, method 10, reserved short) of that queue."""
    encoded = name.encode()
    return re.compile(b"\x00\x32\x00\x0a\x00\x00" + bytes([len(encoded)]) + re.escape(encoded))


class Recorder:
    """Stands in for the consumer module's logger: the events it logged, by level."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        def record(event: str, *args: Any, **fields: Any) -> None:
            self.records.append((level, event, fields))

        return record

    def events(self, *levels: str) -> list[str]:
        return [event for level, event, _ in self.records if not levels or level in levels]


@pytest.fixture
async def proxy(amqp_url) -> AsyncIterator[StallingProxy]:
    parts = urlsplit(amqp_url)
    running = await StallingProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    yield running
    running.release()
    await running.close()


@pytest.fixture
async def proxied(amqp_url, proxy) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    parts = urlsplit(amqp_url)
    netloc = parts.netloc.replace(f":{parts.port}", "") if parts.port else parts.netloc
    url = urlunsplit((parts.scheme, f"{netloc}:{proxy.port}", parts.path, "", ""))
    connection = await aio_pika.connect_robust(url, reconnect_interval=0.5)
    yield connection
    await connection.close()


@pytest.fixture
def logged(monkeypatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(consumer_module, "log", recorder)
    return recorder


def consumer_of(beta, connection, handlers: EventHandlers | None = None, **options: Any):
    topology = ConsumerTopology(
        service=f"recovery_{uuid.uuid4().hex[:8]}",
        bindings=(handlers or beta.handlers).types,
        delivery_limit=5,
        retry_delays_seconds=(0.1, 0.2),
    )
    return EventConsumer(
        name="beta",
        topology=topology,
        handlers=handlers or beta.handlers,
        sessions=beta.sessions,
        inbox=inbox_table(beta.metadata),
        connection=connection,
        **options,
    )


@contextlib.asynccontextmanager
async def relaying(alpha, admin_engine, broker) -> AsyncIterator[None]:
    metadata, _ = alpha
    dsn = asyncpg_dsn(admin_engine.url.render_as_string(hide_password=False))
    relay = OutboxRelay(dsn=dsn, schema=metadata.schema, connection=broker, poll_interval=0.1)
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def publish(alpha, count: int, restaurant_id: uuid.UUID) -> None:
    _, sessions = alpha
    event = RestaurantCreated.example().model_copy(update={"restaurant_id": restaurant_id})
    async with sessions() as session, session.begin():
        for _ in range(count):
            await add_event(session, event)


def applied(beta, restaurant_id: uuid.UUID, count: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return await beta.applied_count(restaurant_id) >= count

    return check


def consuming(consumer: EventConsumer, expected: bool = True):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return bool(consumer.state()["consuming"]) is expected

    return check


async def test_not_consuming_until_the_broker_has_the_consumer_again(
    alpha, beta, admin_engine, broker, proxy, proxied
):
    """The connection comes back, the channel reopens, and the network drops as the consumer
    re-declares its queues: the channel is open, the consumer is not back, so not ready."""
    consumer = consumer_of(beta, proxied)
    await consumer.start()
    try:
        assert consumer.state()["consuming"] is True
        proxy.cut()
        await wait_until(consuming(consumer, False), timeout=10)
        proxy.stall_at(queue_declare_of(consumer.topology.parking))
        proxy.restore()
        await wait_until(lambda: _async(proxy.stalled >= 1 and proxied.connected.is_set()), 15)
        await asyncio.sleep(0.5)  # whatever the consumer would do in the meantime, it has done
        state = consumer.state()
        assert state["consuming"] is False, state
        assert state["channel_open"] is True  # the channel is back ...
        assert state["consumer_attached"] is False  # ... its consumer is not
        proxy.release()
        await wait_until(consuming(consumer), timeout=15)
        assert consumer.state()["reattached"] == 1
        restaurant = uuid.uuid4()
        async with relaying(alpha, admin_engine, broker):
            await publish(alpha, 3, restaurant)
            await wait_until(applied(beta, restaurant, 3), timeout=15)
    finally:
        proxy.release()
        await consumer.stop()


async def test_deliveries_cut_off_with_their_channel_are_redelivered_without_lane_errors(
    alpha, beta, admin_engine, broker, proxy, proxied, logged
):
    """Messages delivered and buffered when the connection drops cannot be acknowledged any
    more: they are left to the broker, which redelivers them; each is applied once."""
    handlers = EventHandlers()

    @handlers.on(RestaurantCreated)
    async def slowly(uow: Any, event: CloudEvent, data: RestaurantCreated) -> None:
        await asyncio.sleep(0.05)  # one restaurant, one lane: the rest waits in the buffer
        await uow.session.execute(
            insert(beta.applied).values(
                event_id=uuid.UUID(event.id), restaurant_id=data.restaurant_id
            )
        )

    consumer = consumer_of(beta, proxied, handlers)
    await consumer.start()
    restaurant = uuid.uuid4()
    try:
        async with relaying(alpha, admin_engine, broker):
            await publish(alpha, 60, restaurant)
            await wait_until(lambda: _async(consumer.state()["buffered"] >= 20), timeout=15)
            proxy.cut()
            await asyncio.sleep(1.0)
            proxy.restore()
            await wait_until(applied(beta, restaurant, 60), timeout=30)
        await asyncio.sleep(0.5)
        assert await beta.applied_count(restaurant) == 60
        assert await beta.distinct_events() >= 60
        assert logged.events("exception", "error") == []
        state = consumer.state()
        assert state["consuming"] is True
        assert state["left_for_redelivery"] > 0
        assert "consumer_detached" in logged.events("warning")
        assert "consumer_reattached" in logged.events("info")
    finally:
        await consumer.stop()


async def test_a_consumer_left_without_its_channel_on_a_live_connection_is_reopened(
    alpha, beta, admin_engine, broker, logged
):
    """A channel the library will not bring back (closed under the consumer, its restore
    abandoned) while the connection stays up: the consumer reopens one by itself."""
    consumer = consumer_of(beta, broker, recover_after=1.0)
    await consumer.start()
    try:
        channel = consumer._channel
        assert channel is not None
        await channel.close()  # a closed robust channel is never restored by aio-pika
        assert consumer.state()["consuming"] is False
        await wait_until(consuming(consumer), timeout=15)
        assert consumer.state()["reopened"] == 1
        assert "consumer_reopening" in logged.events("warning")
        restaurant = uuid.uuid4()
        async with relaying(alpha, admin_engine, broker):
            await publish(alpha, 3, restaurant)
            await wait_until(applied(beta, restaurant, 3), timeout=15)
    finally:
        await consumer.stop()


async def _async(value: bool) -> bool:
    return value
