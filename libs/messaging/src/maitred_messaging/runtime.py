"""What a service's lifespan starts: the broker connection, its relay and its consumer."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_messaging.consumer import EventConsumer, EventHandlers, UnitOfWorkFactory
from maitred_messaging.relay import OutboxRelay
from maitred_messaging.relay_process import RelayProcess
from maitred_messaging.topology import ConsumerTopology
from maitred_platform.health import HealthChecks
from maitred_platform.logs import get_logger

log = get_logger(__name__)


class Messaging:
    """Owns one robust broker connection; starts the relay and the consumer in the background.

    A broker that is down at start-up is retried, not fatal: the service answers its health
    checks as not ready until the broker is back.
    """

    def __init__(
        self,
        *,
        service: str,
        amqp_url: str,
        dsn: str,
        schema: str,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table | None,
        inbox: Table | None,
        handlers: EventHandlers | None = None,
        topology: ConsumerTopology | None = None,
        unit_of_work: UnitOfWorkFactory | None = None,
        prefetch: int = 64,
        lanes: int = 8,
        relay_enabled: bool = True,
        relay_process: bool = False,
        log_level: str = "INFO",
    ) -> None:
        self.service = service
        self.amqp_url = amqp_url
        self.dsn = dsn
        self.schema = schema
        self.sessions = sessions
        self.outbox = outbox
        self.inbox = inbox
        self.handlers = handlers
        self.topology = topology
        self.unit_of_work = unit_of_work
        self.prefetch = prefetch
        self.lanes = lanes
        self.relay_enabled = relay_enabled and outbox is not None
        self.relay_process = relay_process
        self.log_level = log_level
        self.connection: AbstractRobustConnection | None = None
        self.relay: OutboxRelay | RelayProcess | None = None
        self.consumer: EventConsumer | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.relay_enabled and self.relay_process:
            # Its own process, its own broker connection: it does not wait for this one.
            self.relay = RelayProcess(
                service=self.service,
                dsn=self.dsn,
                schema=self.schema,
                amqp_url=self.amqp_url,
                log_level=self.log_level,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.service}-relay"))
        self._tasks.append(asyncio.create_task(self._start(), name=f"{self.service}-messaging"))

    async def _start(self) -> None:
        delay = 0.5
        while self.connection is None:
            try:
                self.connection = await aio_pika.connect_robust(
                    self.amqp_url,
                    timeout=5,
                    client_properties={"connection_name": self.service},
                    reconnect_interval=1,
                )
            except Exception as exc:
                log.warning("broker_unreachable", service=self.service, error=str(exc)[:200])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if self.relay_enabled and not self.relay_process:
            self.relay = OutboxRelay(dsn=self.dsn, schema=self.schema, connection=self.connection)
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.service}-relay"))
        if self.handlers is not None and self.topology is not None and self.inbox is not None:
            consumer = EventConsumer(
                name=self.service,
                topology=self.topology,
                handlers=self.handlers,
                sessions=self.sessions,
                inbox=self.inbox,
                connection=self.connection,
                unit_of_work=self.unit_of_work,
                prefetch=self.prefetch,
                lanes=self.lanes,
            )
            while True:
                try:
                    await consumer.start()
                    break
                except Exception as exc:
                    log.warning("consumer_start_failed", error=str(exc)[:200])
                    await consumer.stop()
                    await asyncio.sleep(1)
            self.consumer = consumer

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.connection is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await self.connection.close()

    def broker_connected(self) -> bool:
        conn = self.connection
        return conn is not None and not conn.is_closed and conn.connected.is_set()

    def register_health(self, checks: HealthChecks) -> None:
        checks.add("broker", self._broker_check)
        if self.relay_enabled:
            checks.add("outbox", self._outbox_check)
        if self.handlers is not None:
            checks.add("consumer", self._consumer_check)

    async def _broker_check(self) -> dict[str, Any]:
        if not self.broker_connected():
            raise RuntimeError("not connected to the broker")
        return {}

    async def _outbox_check(self) -> dict[str, Any]:
        async with self.sessions() as session:
            from sqlalchemy import text

            row = (
                await session.execute(
                    text(
                        f"SELECT count(*), extract(epoch FROM now() - min(created_at)) "
                        f"FROM {self.schema}.outbox WHERE published_at IS NULL"
                    )
                )
            ).one()
        relay = self.relay
        return {
            "pending": int(row[0]),
            "oldest_pending_seconds": round(float(row[1] or 0), 3),
            "relay_active": bool(relay and relay.active),
            "relay_error": relay.last_error if relay else None,
        }

    async def _consumer_check(self) -> dict[str, Any]:
        if self.consumer is None:
            raise RuntimeError("consumer not started")
        state = self.consumer.state()
        if not state["consuming"]:
            # Not ready until the broker has the consumer again on the live channel: after a
            # reconnect the connection and the channel are back before the consumer is.
            what = "not attached" if state["workers_alive"] else "stopped"
            raise RuntimeError(f"consumer {what}: {state}")
        return state
