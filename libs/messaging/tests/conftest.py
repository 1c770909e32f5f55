"""Two small services, `alpha` (writes events) and `beta` (consumes them), on real servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aio_pika
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from maitred_contracts import CloudEvent, RestaurantCreated
from maitred_messaging.consumer import EventConsumer, EventHandlers
from maitred_messaging.migration import notify_trigger_ddl
from maitred_messaging.outbox import OUTBOX, inbox_table, outbox_table
from maitred_messaging.topology import ConsumerTopology
from maitred_messaging.unit_of_work import SqlUnitOfWork
from maitred_platform.provision import with_database


@dataclass
class Beta:
    metadata: MetaData
    applied: Table
    sessions: async_sessionmaker[AsyncSession]
    handlers: EventHandlers
    failing: set[uuid.UUID]

    async def applied_count(self, restaurant_id: uuid.UUID | None = None) -> int:
        query = select(func.count()).select_from(self.applied)
        if restaurant_id is not None:
            query = query.where(self.applied.c.restaurant_id == restaurant_id)
        async with self.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def distinct_events(self) -> int:
        query = select(func.count(self.applied.c.event_id.distinct()))
        async with self.sessions() as session:
            return int((await session.execute(query)).scalar_one())


@pytest.fixture(scope="session")
async def admin_engine(databases, postgres_admin_url) -> AsyncIterator[AsyncEngine]:
    name = next(iter(databases.values())).url.rsplit("/", 1)[-1]  # the run's database
    url = with_database(postgres_admin_url, name).replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    engine = create_async_engine(url, pool_size=10)
    yield engine
    await engine.dispose()


def _schema_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def alpha(admin_engine) -> AsyncIterator[tuple[MetaData, async_sessionmaker[AsyncSession]]]:
    schema = _schema_name("alpha")
    metadata = MetaData(schema=schema)
    Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    outbox = outbox_table(metadata)
    inbox_table(metadata)
    async with admin_engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(metadata.create_all)
        for statement in notify_trigger_ddl(schema):
            await conn.execute(text(statement))
    sessions = async_sessionmaker(admin_engine, expire_on_commit=False, info={OUTBOX: outbox})
    yield metadata, sessions


@pytest.fixture
async def beta(admin_engine) -> AsyncIterator[Beta]:
    schema = _schema_name("beta")
    metadata = MetaData(schema=schema)
    applied = Table(
        "applied",
        metadata,
        Column("n", Integer, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True)),
        Column("restaurant_id", UUID(as_uuid=True)),
    )
    inbox_table(metadata)
    outbox_table(metadata)
    async with admin_engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(metadata.create_all)
    sessions = async_sessionmaker(admin_engine, expire_on_commit=False)
    handlers = EventHandlers()
    failing: set[uuid.UUID] = set()

    @handlers.on(RestaurantCreated)
    async def record(uow: SqlUnitOfWork, event: CloudEvent, data: RestaurantCreated) -> None:
        # Deliberately no unique key: only the inbox stands between a redelivery and a second row.
        await uow.session.execute(
            insert(applied).values(event_id=uuid.UUID(event.id), restaurant_id=data.restaurant_id)
        )
        if data.restaurant_id in failing:
            raise RuntimeError("this restaurant's events always fail")

    yield Beta(metadata, applied, sessions, handlers, failing)


@pytest.fixture
async def broker(amqp_url) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(amqp_url, reconnect_interval=0.5)
    yield connection
    await connection.close()


def beta_consumer(beta: Beta, connection, *, service: str | None = None) -> EventConsumer:
    topology = ConsumerTopology(
        service=service or beta.metadata.schema or "beta",
        bindings=beta.handlers.types,
        delivery_limit=3,
        retry_delays_seconds=(0.1, 0.2),
    )
    return EventConsumer(
        name="beta",
        topology=topology,
        handlers=beta.handlers,
        sessions=beta.sessions,
        inbox=inbox_table(beta.metadata),
        connection=connection,
    )
