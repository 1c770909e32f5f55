"""The parts every service's lifespan builds and tears down, in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from maitred_messaging.consumer import EventHandlers
from maitred_messaging.outbox import OUTBOX, inbox_table, outbox_table
from maitred_messaging.runtime import Messaging
from maitred_messaging.topology import ConsumerTopology
from maitred_messaging.unit_of_work import AbstractUnitOfWork
from maitred_platform.db import asyncpg_dsn, database_check, make_engine
from maitred_platform.health import HealthChecks
from maitred_platform.settings import ServiceSettings


@dataclass
class ServiceParts:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    messaging: Messaging


@asynccontextmanager
async def running_service(
    *,
    service: str,
    settings: ServiceSettings,
    metadata: MetaData,
    checks: HealthChecks,
    handlers: EventHandlers | None = None,
    unit_of_work: Callable[[async_sessionmaker[AsyncSession]], AbstractUnitOfWork] | None = None,
    retry_delays_seconds: tuple[float, ...] = (1.0, 5.0, 25.0),
    delivery_limit: int = 5,
) -> AsyncIterator[ServiceParts]:
    """Engine, sessions bound to the outbox, relay and consumer; health checks registered.

    `unit_of_work` builds the service's unit of work on the sessions made here; the consumer
    applies each event in one (a generic one when not given).
    """
    schema = metadata.schema
    assert schema, "a service's MetaData must name its schema"
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    outbox = outbox_table(metadata)
    sessions = async_sessionmaker(engine, expire_on_commit=False, info={OUTBOX: outbox})
    topology = None
    if handlers is not None:
        topology = ConsumerTopology(
            service=service,
            bindings=handlers.types,
            delivery_limit=delivery_limit,
            retry_delays_seconds=retry_delays_seconds,
        )
    messaging = Messaging(
        service=service,
        amqp_url=settings.amqp_url,
        dsn=asyncpg_dsn(settings.database_url),
        schema=schema,
        sessions=sessions,
        outbox=outbox,
        inbox=inbox_table(metadata),
        handlers=handlers,
        topology=topology,
        unit_of_work=None if unit_of_work is None else partial(unit_of_work, sessions),
        relay_process=settings.relay_process,
        log_level=settings.log_level,
    )
    checks.add("database", database_check(engine))
    messaging.register_health(checks)
    await messaging.start()
    # What start-up built (modules, the app, schemas, metadata) lives as long as the process.
    # Frozen, it stays out of the collector's full passes, which otherwise walk all of it
    # (some 150,000 objects, 100-300 ms) in the middle of requests and event deliveries.
    gc.collect()
    gc.freeze()
    try:
        yield ServiceParts(engine=engine, sessions=sessions, messaging=messaging)
    finally:
        gc.unfreeze()  # a process that starts services again (tests) can collect them
        await messaging.stop()
        await engine.dispose()
