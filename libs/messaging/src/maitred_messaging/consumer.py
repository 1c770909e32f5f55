"""The event consumer: applies each event once, acking only after the handler's commit.

Messages are spread over lanes by restaurant, so one restaurant's events are applied in
the order they arrive while other restaurants proceed in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_contracts import CloudEvent, EventData
from maitred_messaging import metrics
from maitred_messaging.topology import ConsumerTopology, DeclaredTopology, declare_consumer_topology
from maitred_messaging.unit_of_work import AbstractUnitOfWork, SqlUnitOfWork
from maitred_platform.logs import get_logger

log = get_logger(__name__)
ATTEMPT_HEADER = "x-maitred-attempt"

Handler = Callable[[Any, CloudEvent, Any], Awaitable[None]]
"""(unit of work, event, its data): the unit is entered and the inbox already holds the event;
the handler's use case commits it, or the consumer does when the handler returns."""
UnitOfWorkFactory = Callable[[], AbstractUnitOfWork]
# Whether an event has anything to do here, asked before a transaction is opened for it:
# an event it says no to is acknowledged without touching the inbox (nothing was applied,
# so there is nothing to apply twice).
Needed = Callable[[async_sessionmaker[AsyncSession], CloudEvent], Awaitable[bool]]


class EventHandlers:
    """Maps event types to handlers: `@handlers.on(PartyCalled)`."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._needed: dict[str, Needed] = {}

    def on(
        self, model: type[EventData], needed: Needed | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._by_type[model.event_type] = handler
            if needed is not None:
                self._needed[model.event_type] = needed
            return handler

        return register

    def get(self, event_type: str) -> Handler | None:
        return self._by_type.get(event_type)

    def needed(self, event_type: str) -> Needed | None:
        return self._needed.get(event_type)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_type))


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        topology: ConsumerTopology,
        handlers: EventHandlers,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        connection: AbstractRobustConnection,
        unit_of_work: UnitOfWorkFactory | None = None,
        prefetch: int = 64,
        lanes: int = 8,
    ) -> None:
        self.name = name
        self.topology = topology
        self.handlers = handlers
        self.sessions = sessions
        self.inbox = inbox
        self.unit_of_work: UnitOfWorkFactory = unit_of_work or (
            lambda: SqlUnitOfWork(sessions, inbox=inbox)
        )
        self.connection = connection
        self.prefetch = prefetch
        self._lanes: list[asyncio.Queue[AbstractIncomingMessage]] = [
            asyncio.Queue() for _ in range(lanes)
        ]
        self._workers: list[asyncio.Task[None]] = []
        self._channel: AbstractChannel | None = None
        # Strong references: a queue object only weakly held can be collected and stop consuming.
        self._declared: DeclaredTopology | None = None
        self._consumer_tag: str | None = None
        self.last_handled_at: float | None = None

    async def start(self) -> None:
        self._workers = [asyncio.create_task(self._work(lane)) for lane in self._lanes]
        await self.connection.ready()
        self._channel = await self.connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=self.prefetch)
        self._declared = await declare_consumer_topology(self._channel, self.topology)
        self._consumer_tag = await self._declared.queue.consume(self._enqueue)
        log.info("consumer_started", queue=self.topology.queue, types=len(self.topology.bindings))

    async def stop(self) -> None:
        if self._declared and self._consumer_tag:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self._declared.queue.cancel(self._consumer_tag)
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._channel is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self._channel.close()

    def state(self) -> dict[str, Any]:
        channel_open = self._channel is not None and not self._channel.is_closed
        workers_alive = bool(self._workers) and not any(t.done() for t in self._workers)
        return {
            "queue": self.topology.queue,
            "consuming": bool(self._consumer_tag) and channel_open and workers_alive,
            "channel_open": channel_open,
            "workers_alive": workers_alive,
            "buffered": sum(q.qsize() for q in self._lanes),
        }

    async def _enqueue(self, message: AbstractIncomingMessage) -> None:
        key = str((message.headers or {}).get("restaurantid") or message.message_id or "")
        self._lanes[hash(key) % len(self._lanes)].put_nowait(message)

    async def _work(self, lane: asyncio.Queue[AbstractIncomingMessage]) -> None:
        while True:
            message = await lane.get()
            try:
                await self.handle(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one message stop the lane
                log.exception("consumer_lane_error", queue=self.topology.queue)

    async def handle(self, message: AbstractIncomingMessage) -> None:
        try:
            event = CloudEvent.from_json(message.body)
        except Exception:
            log.warning("event_unreadable", queue=self.topology.queue, id=message.message_id)
            await self._park(message, "unreadable")
            return
        handler = self.handlers.get(event.type)
        if handler is None:  # not ours (or a newer type): acknowledged and ignored
            await message.ack()
            metrics.CONSUMED.labels(event.type, "ignored").inc()
            return
        started = time.perf_counter()
        needed = self.handlers.needed(event.type)
        applied: bool | None = None  # None: nothing to do here
        try:
            if needed is None or await needed(self.sessions, event):
                data = event.parsed()
                # Everything the handler logs carries the event it is applying.
                with structlog.contextvars.bound_contextvars(
                    correlation_id=event.id, event_type=event.type
                ):
                    applied = await self._apply(handler, event, data)
        except Exception as exc:
            log.warning(
                "event_handler_failed",
                type=event.type,
                id=event.id,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            await self._retry_or_park(message, event.type)
            return
        await message.ack()
        self.last_handled_at = time.time()
        if applied is None:
            metrics.CONSUMED.labels(event.type, "ignored").inc()
            return
        metrics.HANDLER_SECONDS.labels(event.type).observe(time.perf_counter() - started)
        metrics.CONSUMED.labels(event.type, "applied" if applied else "duplicate").inc()

    async def _apply(self, handler: Handler, event: CloudEvent, data: Any) -> bool:
        """The handler's effect and the inbox record commit together, in one unit of work."""
        async with self.unit_of_work() as uow:
            if not await uow.first_time(event.id, self.name, event.type):
                return False
            await handler(uow, event, data)
            if not uow.finished:
                await uow.commit()
        return True

    async def _retry_or_park(self, message: AbstractIncomingMessage, event_type: str) -> None:
        attempt = int(str((message.headers or {}).get(ATTEMPT_HEADER) or 0)) + 1
        if attempt <= len(self.topology.retry_delays_seconds):
            target = self.topology.retry_queue(attempt)
            metrics.RETRIED.labels(event_type).inc()
        else:
            target = self.topology.parking
            metrics.PARKED.labels(event_type).inc()
        await self._forward(message, target, {ATTEMPT_HEADER: attempt})

    async def _park(self, message: AbstractIncomingMessage, reason: str) -> None:
        metrics.PARKED.labels("unknown").inc()
        await self._forward(message, self.topology.parking, {"x-maitred-parked": reason})

    async def _forward(
        self, message: AbstractIncomingMessage, queue: str, headers: dict[str, Any]
    ) -> None:
        """Copies the message to a queue with a confirm, then acks; a failed copy is requeued."""
        assert self._channel is not None
        copy = aio_pika.Message(
            body=message.body,
            headers={**(message.headers or {}), **headers},
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            type=message.type,
        )
        try:
            await self._channel.default_exchange.publish(copy, routing_key=queue, timeout=5)
        except Exception:
            await message.nack(requeue=True)
            return
        await message.ack()
