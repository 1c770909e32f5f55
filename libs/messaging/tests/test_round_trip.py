"""The outbox, the relay and the consumer against a real Postgres and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import aio_pika
import pytest
from sqlalchemy import func, select, text

from maitred_contracts import CloudEvent, RestaurantCreated
from maitred_messaging import add_event
from maitred_messaging.relay import OutboxRelay, to_message
from maitred_messaging.testing import wait_until
from maitred_messaging.topology import declare_exchange
from maitred_platform.db import asyncpg_dsn

from .conftest import beta_consumer


def restaurant_created(restaurant_id: uuid.UUID | None = None) -> RestaurantCreated:
    example = RestaurantCreated.example()
    return example.model_copy(update={"restaurant_id": restaurant_id or uuid.uuid4()})


def relay_for(alpha, admin_engine, broker, cls=OutboxRelay) -> OutboxRelay:
    metadata, _ = alpha
    dsn = asyncpg_dsn(admin_engine.url.render_as_string(hide_password=False))
    return cls(dsn=dsn, schema=metadata.schema, connection=broker, poll_interval=0.2)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay):
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def write_events(alpha, count: int, restaurant_id: uuid.UUID) -> None:
    metadata, sessions = alpha
    items = metadata.tables[f"{metadata.schema}.items"]
    async with sessions() as session, session.begin():
        for n in range(count):
            await session.execute(items.insert().values(name=f"item {n}"))
            await add_event(session, restaurant_created(restaurant_id))


async def pending(alpha) -> int:
    metadata, sessions = alpha
    outbox = metadata.tables[f"{metadata.schema}.outbox"]
    async with sessions() as session:
        query = select(func.count()).where(outbox.c.published_at.is_(None))
        return int((await session.execute(query)).scalar_one())


async def test_state_change_and_its_event_commit_together_or_not_at_all(alpha):
    metadata, sessions = alpha
    items = metadata.tables[f"{metadata.schema}.items"]
    outbox = metadata.tables[f"{metadata.schema}.outbox"]
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await session.execute(items.insert().values(name="rolled back"))
            await add_event(session, restaurant_created())
            raise RuntimeError("the use case fails after writing")
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(items))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 0

    await write_events(alpha, 1, uuid.uuid4())
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(items))).scalar_one() == 1
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 1


async def test_rolled_back_event_is_never_published(alpha, beta, broker, admin_engine):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    _, sessions = alpha
    ghost, real = uuid.uuid4(), uuid.uuid4()
    async with running(relay_for(alpha, admin_engine, broker)):
        with contextlib.suppress(RuntimeError):
            async with sessions() as session, session.begin():
                await add_event(session, restaurant_created(ghost))
                raise RuntimeError("rolled back")
        await write_events(alpha, 1, real)
        await wait_until(lambda: _has(beta, real))
    await consumer.stop()
    assert await beta.applied_count(ghost) == 0


async def _has(beta, restaurant_id: uuid.UUID, count: int = 1) -> bool:
    return await beta.applied_count(restaurant_id) >= count


async def test_event_reaches_other_service_and_applies_once_when_delivered_twice(
    alpha, beta, broker, admin_engine
):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    restaurant = uuid.uuid4()
    async with running(relay_for(alpha, admin_engine, broker)):
        await write_events(alpha, 1, restaurant)
        await wait_until(lambda: _has(beta, restaurant))
    # The broker delivers the very same message again (as after a lost ack).
    metadata, sessions = alpha
    async with sessions() as session:
        row = (
            (await session.execute(text(f"SELECT * FROM {metadata.schema}.outbox")))
            .mappings()
            .one()
        )
    channel = await broker.channel()
    exchange = await channel.get_exchange("maitred.events")
    message, routing_key = to_message(row)
    await exchange.publish(message, routing_key=routing_key)
    await wait_until(lambda: _consumed_duplicate(consumer))
    await consumer.stop()
    assert await beta.applied_count(restaurant) == 1
    event = CloudEvent.from_json(message.body)
    assert event.restaurantid == str(restaurant)
    assert event.subject == f"restaurant/{restaurant}"


async def _consumed_duplicate(consumer) -> bool:
    await asyncio.sleep(0.3)
    return consumer.state()["buffered"] == 0


async def test_failing_handler_parks_the_message_and_healthy_ones_keep_flowing(
    alpha, beta, broker, admin_engine
):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    poison, healthy = uuid.uuid4(), uuid.uuid4()
    beta.failing.add(poison)
    async with running(relay_for(alpha, admin_engine, broker)):
        await write_events(alpha, 1, poison)
        await write_events(alpha, 5, healthy)
        await wait_until(lambda: _has(beta, healthy, 5))
        channel = await broker.channel()
        parking = await channel.declare_queue(consumer.topology.parking, passive=True)
        parked_message = None

        async def parked() -> bool:
            nonlocal parked_message
            parked_message = await parking.get(fail=False)
            return parked_message is not None

        await wait_until(parked, timeout=15)
    assert parked_message is not None
    assert CloudEvent.from_json(parked_message.body).restaurantid == str(poison)
    assert parked_message.headers["x-maitred-attempt"] == 3
    await parked_message.ack()
    await consumer.stop()
    # Every failed attempt was rolled back: the poison event left no effect behind.
    assert await beta.applied_count(poison) == 0
    assert await beta.applied_count(healthy) == 5


class CrashAfterPublishRelay(OutboxRelay):
    """Dies after the broker confirmed a batch but before the rows are marked sent."""

    crashes = 3

    async def _mark_sent(self, conn, ids):
        if self.crashes > 0:
            self.crashes -= 1
            raise ConnectionError("relay killed between publishing and marking sent")
        await super()._mark_sent(conn, ids)


async def test_relay_restarted_mid_batch_delivers_every_event_once_to_the_handler(
    alpha, beta, broker, admin_engine
):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    restaurant = uuid.uuid4()
    await write_events(alpha, 120, restaurant)
    relay = relay_for(alpha, admin_engine, broker, cls=CrashAfterPublishRelay)
    relay.batch_size = 50
    async with running(relay):
        await wait_until(lambda: _pending_is(alpha, 0), timeout=30)
    # And a relay that is cancelled outright while draining, then started again.
    await write_events(alpha, 200, restaurant)
    first = relay_for(alpha, admin_engine, broker)
    first.batch_size = 20
    async with running(first):
        await wait_until(lambda: _pending_below(alpha, 190), timeout=20)
    async with running(relay_for(alpha, admin_engine, broker)):
        await wait_until(lambda: _pending_is(alpha, 0), timeout=30)
    await wait_until(lambda: _has(beta, restaurant, 320), timeout=30)
    await asyncio.sleep(0.5)
    await consumer.stop()
    assert await beta.applied_count(restaurant) == 320
    assert await beta.distinct_events() == 320


async def _pending_is(alpha, count: int) -> bool:
    return await pending(alpha) == count


async def _pending_below(alpha, count: int) -> bool:
    return await pending(alpha) < count


async def test_only_one_relay_drains_at_a_time(alpha, admin_engine, broker):
    first = relay_for(alpha, admin_engine, broker)
    second = relay_for(alpha, admin_engine, broker)
    async with running(first), running(second):
        await wait_until(lambda: _async(first.active or second.active))
        await asyncio.sleep(0.5)
        assert [first.active, second.active].count(True) == 1
        standby = second if first.active else first
    # The stand-by takes over once the active relay is gone.
    async with running(standby):
        await wait_until(lambda: _async(standby.active))


async def _async(value: bool) -> bool:
    return value


async def test_events_pending_while_broker_is_away_all_arrive_once(
    alpha, beta, admin_engine, amqp_url
):
    from urllib.parse import urlsplit, urlunsplit

    from maitred_messaging.testing import TcpProxy

    parts = urlsplit(amqp_url)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    netloc = parts.netloc.replace(f":{parts.port or 5672}", "") if parts.port else parts.netloc
    via_proxy = urlunsplit((parts.scheme, f"{netloc}:{proxy.port}", parts.path, "", ""))
    connection = await aio_pika.connect_robust(via_proxy, reconnect_interval=0.5)
    consumer = beta_consumer(beta, connection)
    await consumer.start()
    restaurant = uuid.uuid4()
    try:
        async with running(relay_for(alpha, admin_engine, connection)):
            await write_events(alpha, 10, restaurant)
            await wait_until(lambda: _has(beta, restaurant, 10))
            proxy.cut()
            await write_events(alpha, 40, restaurant)
            await asyncio.sleep(1.5)
            assert await pending(alpha) > 0
            proxy.restore()
            await wait_until(lambda: _pending_is(alpha, 0), timeout=30)
            await wait_until(lambda: _has(beta, restaurant, 50), timeout=30)
        await asyncio.sleep(0.5)
        assert await beta.applied_count(restaurant) == 50
    finally:
        await consumer.stop()
        await connection.close()
        await proxy.close()


async def test_a_batch_in_flight_at_once_reaches_the_broker_in_outbox_order(
    alpha, broker, admin_engine
):
    channel = await broker.channel()
    exchange = await declare_exchange(channel)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    restaurant = uuid.uuid4()
    await queue.bind(exchange, "#")
    sequences: list[int] = []

    async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        event = CloudEvent.from_json(message.body)
        if event.restaurantid == str(restaurant):
            sequences.append(int(event.sequence or 0))
        await message.ack()

    await queue.consume(collect)
    await write_events(alpha, 450, restaurant)
    relay = relay_for(alpha, admin_engine, broker)
    async with running(relay):
        await wait_until(lambda: _pending_is(alpha, 0), timeout=30)
        await wait_until(lambda: _async(len(sequences) >= 450), timeout=30)
    await channel.close()

    assert len(sequences) == 450
    assert sequences == sorted(set(sequences))


SLOW_CONFIRM_SECONDS = 6.0
"""How long the slow relay's confirms take; the next event must go out in a third of it."""


class SlowConfirmsRelay(OutboxRelay):
    """Its publishes reach the queues at once, but their confirms take long to come back
    (as a quorum queue's do while the broker waits for its disk)."""

    async def _publish(self, exchange, row):
        await super()._publish(exchange, row)
        await asyncio.sleep(SLOW_CONFIRM_SECONDS)


async def test_an_event_goes_out_without_waiting_for_the_confirms_of_earlier_ones(
    alpha, broker, admin_engine
):
    channel = await broker.channel()
    exchange = await declare_exchange(channel)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, "#")
    first, second = uuid.uuid4(), uuid.uuid4()
    arrived: dict[str, float] = {}

    async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        arrived.setdefault(str(CloudEvent.from_json(message.body).restaurantid), time.monotonic())
        await message.ack()

    await queue.consume(collect)
    async with running(relay_for(alpha, admin_engine, broker, cls=SlowConfirmsRelay)):
        await write_events(alpha, 1, first)
        await wait_until(lambda: _async(str(first) in arrived), timeout=10)
        await write_events(alpha, 1, second)
        committed = time.monotonic()
        await wait_until(lambda: _async(str(second) in arrived), timeout=10)
        await wait_until(lambda: _pending_is(alpha, 0), timeout=SLOW_CONFIRM_SECONDS + 15)
    await channel.close()

    # A relay that waited for the first confirm would publish the second event only about
    # SLOW_CONFIRM_SECONDS after the first; this one publishes it at once (NOTIFY, or the
    # next poll), with room to spare for a loaded machine.
    assert arrived[str(second)] - committed < SLOW_CONFIRM_SECONDS / 3
