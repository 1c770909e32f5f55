"""The relay in a process of its own, and events a consumer has nothing to do with."""

from __future__ import annotations

import os
import signal
import uuid

from prometheus_client import REGISTRY
from sqlalchemy import func, select

from maitred_contracts import CloudEvent, RestaurantCreated
from maitred_messaging.relay_process import RelayProcess
from maitred_messaging.testing import wait_until
from maitred_platform.db import asyncpg_dsn

from .conftest import beta_consumer
from .test_round_trip import pending, running, write_events


def relay_process_for(alpha, admin_engine, amqp_url: str) -> RelayProcess:
    metadata, _ = alpha
    dsn = asyncpg_dsn(admin_engine.url.render_as_string(hide_password=False))
    return RelayProcess(
        service="alpha", dsn=dsn, schema=metadata.schema, amqp_url=amqp_url, restart_delay=0.2
    )


async def test_relay_process_publishes_committed_events_once_and_reports_its_state(
    alpha, beta, broker, admin_engine, amqp_url
):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    relay = relay_process_for(alpha, admin_engine, amqp_url)
    rid = uuid.uuid4()
    published_before = _published()
    try:
        async with running(relay):
            await write_events(alpha, 5, rid)
            await wait_until(lambda: _is(beta.applied_count(rid), 5), timeout=20)
            assert await pending(alpha) == 0
            # The child reports its state a few times a second.
            await wait_until(lambda: _true(relay.active), timeout=5)
            assert relay.last_error is None
            # The child's metrics are the service's: its /metrics counts what the child sent.
            await wait_until(lambda: _true(_published() - published_before == 5), timeout=5)
            assert REGISTRY.get_sample_value("maitred_relay_active") == 1
            child = relay.process
            assert child is not None and child.returncode is None
        # Stopped with the service: the child is gone, not left behind.
        assert child.returncode is not None
        assert relay.active is False
    finally:
        await consumer.stop()
    assert await beta.applied_count(rid) == 5


async def test_a_killed_relay_process_is_started_again_and_nothing_is_lost(
    alpha, beta, broker, admin_engine, amqp_url
):
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    relay = relay_process_for(alpha, admin_engine, amqp_url)
    rid = uuid.uuid4()
    try:
        async with running(relay):
            await write_events(alpha, 3, rid)
            await wait_until(lambda: _is(beta.applied_count(rid), 3), timeout=20)
            first = relay.process
            assert first is not None
            os.kill(first.pid, signal.SIGKILL)
            await write_events(alpha, 4, rid)  # committed while no relay runs
            await wait_until(lambda: _is(beta.applied_count(rid), 7), timeout=30)
            assert relay.process is not first
            assert relay.starts >= 2
    finally:
        await consumer.stop()
    assert await beta.distinct_events() == 7
    assert await beta.applied_count(rid) == 7


async def test_an_event_the_consumer_does_not_need_is_acked_without_touching_its_inbox(
    alpha, beta, broker, admin_engine, amqp_url
):
    asked: list[str] = []

    async def needed(sessions, event: CloudEvent) -> bool:
        asked.append(event.id)
        return event.restaurantid != str(skipped)

    skipped, kept = uuid.uuid4(), uuid.uuid4()
    record = beta.handlers.get(RestaurantCreated.event_type)
    assert record is not None
    beta.handlers.on(RestaurantCreated, needed)(record)  # the same handler, now asked first
    consumer = beta_consumer(beta, broker)
    await consumer.start()
    relay = relay_process_for(alpha, admin_engine, amqp_url)
    try:
        async with running(relay):
            await write_events(alpha, 2, skipped)
            await write_events(alpha, 3, kept)
            await wait_until(lambda: _is(beta.applied_count(kept), 3), timeout=20)
            await wait_until(lambda: _is(_len(asked), 5), timeout=10)
    finally:
        await consumer.stop()
    assert await beta.applied_count(skipped) == 0
    assert await beta.applied_count(kept) == 3
    inbox = beta.metadata.tables[f"{beta.metadata.schema}.inbox"]
    async with beta.sessions() as session:
        recorded = (await session.execute(select(func.count()).select_from(inbox))).scalar_one()
    assert recorded == 3  # only the events that were applied


async def _len(items: list[str]) -> int:
    return len(items)


async def _is(count, expected: int) -> bool:
    return bool(await count == expected)


async def _true(value: bool) -> bool:
    return value


def _published() -> float:
    labels = {"type": RestaurantCreated.event_type}
    return REGISTRY.get_sample_value("maitred_events_published_total", labels) or 0.0
