"""The outbox relay: publishes committed events in order, marking them sent only on confirm.

One relay per service is active at a time (a session advisory lock on its own connection);
others stand by and take over when the holder's connection goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from typing import Any

import aio_pika
import asyncpg
from aio_pika.abc import AbstractExchange, AbstractRobustConnection

from maitred_contracts import CONTENT_TYPE, CloudEvent
from maitred_messaging import metrics
from maitred_messaging.outbox import notify_channel
from maitred_messaging.topology import declare_audit_queue, declare_exchange
from maitred_platform.logs import get_logger

log = get_logger(__name__)


def relay_lock_key(schema: str) -> int:
    return zlib.crc32(f"maitred-relay:{schema}".encode())


def to_message(row: asyncpg.Record) -> tuple[aio_pika.Message, str]:
    event = CloudEvent(
        id=str(row["event_id"]),
        source=row["source"],
        type=row["type"],
        subject=row["subject"],
        time=row["occurred_at"],
        restaurantid=str(row["restaurant_id"]) if row["restaurant_id"] else None,
        sequence=row["id"],
        data=_json(row["data"]),
    )
    message = aio_pika.Message(
        body=event.to_json(),
        content_type=CONTENT_TYPE,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=event.id,
        type=event.type,
        timestamp=row["occurred_at"],
        headers={"restaurantid": event.restaurantid or "", "subject": event.subject or ""},
    )
    return message, event.type


def _ok(task: asyncio.Task[None]) -> bool:
    """Confirmed by the broker (and the exception, if any, retrieved)."""
    return task.done() and not task.cancelled() and task.exception() is None


def _json(value: Any) -> dict[str, Any]:
    # asyncpg returns jsonb as text unless a codec is set on the connection.
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value)
        return loaded
    return dict(value)


class OutboxRelay:
    def __init__(
        self,
        *,
        dsn: str,
        schema: str,
        connection: AbstractRobustConnection,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        standby_interval: float = 2.0,
        publish_timeout: float = 5.0,
        max_in_flight: int = 1000,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.connection = connection
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.standby_interval = standby_interval
        self.publish_timeout = publish_timeout
        self.max_in_flight = max_in_flight
        self.active = False
        self.last_error: str | None = None
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Runs until cancelled, surviving database and broker restarts."""
        backoff = 0.5
        while True:
            try:
                await self._run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("relay_error", schema=self.schema, error=self.last_error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            else:  # pragma: no cover - _run_once only returns by raising
                backoff = 0.5
            finally:
                self.active = False
                metrics.RELAY_ACTIVE.set(0)

    async def _run_once(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=5)
        try:
            while not await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", relay_lock_key(self.schema)
            ):
                await asyncio.sleep(self.standby_interval)
            self.active = True
            metrics.RELAY_ACTIVE.set(1)
            log.info("relay_active", schema=self.schema)
            await conn.add_listener(notify_channel(self.schema), lambda *_: self._wake.set())
            await self.connection.ready()
            channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
            publishing = _Publishing(self, conn)
            try:
                exchange = await declare_exchange(channel)
                await declare_audit_queue(channel, exchange)
                while True:
                    self._wake.clear()
                    publishing.raise_failure()
                    published = await publishing.publish_next(exchange)
                    self.last_error = None
                    if published < self.batch_size:
                        metrics.PENDING.set(await publishing.pending())
                        with contextlib.suppress(TimeoutError):
                            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                            # cancellation that lands as the event is set (CPython gh-86296),
                            # and the relay would then never stop.
                            async with asyncio.timeout(self.poll_interval):
                                await self._wake.wait()
                    await publishing.room(self.max_in_flight)
            finally:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(5):
                        await publishing.stop()
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await channel.close()
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await conn.close()

    async def pending(self, conn: asyncpg.Connection) -> int:
        count: int = await conn.fetchval(
            f"SELECT count(*) FROM {self.schema}.outbox WHERE published_at IS NULL"
        )
        return count

    async def _publish(self, exchange: AbstractExchange, row: asyncpg.Record) -> None:
        message, routing_key = to_message(row)
        async with asyncio.timeout(self.publish_timeout):
            await exchange.publish(
                message, routing_key=routing_key, mandatory=True, timeout=self.publish_timeout
            )
        metrics.PUBLISHED.labels(routing_key).inc()

    async def _mark_sent(self, conn: asyncpg.Connection, ids: list[int]) -> None:
        await conn.execute(
            f"UPDATE {self.schema}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
            ids,
        )


class _Publishing:
    """An active relay's published rows whose confirms are still on their way.

    Rows are published as soon as they are committed, in outbox order on the one channel,
    while earlier ones wait for their confirms: a quorum queue confirms once the message is
    on disk (tens of ms, hundreds under load), and waiting for a batch's confirms before
    the next publish held every newer event back by them. A row is marked sent once its
    own confirm came. A failure (nack, return, timeout) is recorded on its row and ends the
    session; the next one publishes every row still pending again, and consumers drop
    the duplicates by event id.
    """

    def __init__(self, relay: OutboxRelay, conn: asyncpg.Connection) -> None:
        self.relay = relay
        self.conn = conn
        self.db = asyncio.Lock()  # one connection, one statement at a time
        self.in_flight: dict[int, asyncio.Task[None]] = {}  # outbox id -> its publish
        self.batches: set[asyncio.Task[None]] = set()
        self.failure: Exception | None = None

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    async def pending(self) -> int:
        async with self.db:
            return await self.relay.pending(self.conn)

    async def publish_next(self, exchange: AbstractExchange) -> int:
        """Starts publishing the next pending rows not already in flight; returns how many."""
        schema = self.relay.schema
        async with self.db:
            rows = await self.conn.fetch(
                f"SELECT id, event_id, type, source, subject, restaurant_id, data, occurred_at "
                f"FROM {schema}.outbox WHERE published_at IS NULL AND NOT id = ANY($2::bigint[]) "
                f"ORDER BY id LIMIT $1",
                self.relay.batch_size,
                list(self.in_flight),
            )
        # Started in order, the publishes write their frames in order: the channel takes
        # them first come, first served.
        publishes = [asyncio.create_task(self.relay._publish(exchange, row)) for row in rows]
        for row, task in zip(rows, publishes, strict=True):
            self.in_flight[row["id"]] = task
        if rows:
            batch = asyncio.create_task(self._confirm(rows, publishes))
            self.batches.add(batch)
            batch.add_done_callback(self.batches.discard)
        return len(rows)

    async def room(self, limit: int) -> None:
        """Waits while `limit` rows or more are waiting for their confirms."""
        while len(self.in_flight) >= limit and self.batches:
            await asyncio.wait(self.batches, return_when=asyncio.FIRST_COMPLETED)

    async def _confirm(
        self, rows: list[asyncpg.Record], publishes: list[asyncio.Task[None]]
    ) -> None:
        try:
            try:
                await asyncio.wait(publishes)
            finally:
                for task in publishes:
                    task.cancel()  # only those still waiting: the session is stopping
                sent = [row["id"] for row, task in zip(rows, publishes, strict=True) if _ok(task)]
                try:
                    if sent:
                        async with self.db:
                            await self.relay._mark_sent(self.conn, sent)
                finally:
                    for row in rows:
                        self.in_flight.pop(row["id"], None)
            for row, task in zip(rows, publishes, strict=True):
                if not _ok(task):
                    await self._failed(row, task)
        except Exception as exc:
            if self.failure is None:
                self.failure = exc
            self.relay._wake.set()

    async def _failed(self, row: asyncpg.Record, task: asyncio.Task[None]) -> None:
        exc = (
            ConnectionError("the publish was cancelled: the channel closed")
            if task.cancelled()
            else task.exception() or RuntimeError("the publish did not finish")
        )
        metrics.PUBLISH_FAILURES.inc()
        async with self.db:
            await self.conn.execute(
                f"UPDATE {self.relay.schema}.outbox SET attempts = attempts + 1, "
                f"last_error = $2 WHERE id = $1",
                row["id"],
                f"{type(exc).__name__}: {exc}"[:500],
            )
        raise exc

    async def stop(self) -> None:
        """Stops waiting for confirms; the rows confirmed by then are still marked sent."""
        batches = list(self.batches)
        for batch in batches:
            batch.cancel()
        await asyncio.gather(*batches, return_exceptions=True)
