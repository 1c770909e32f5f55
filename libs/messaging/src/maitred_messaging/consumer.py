"""The event consumer: applies each event once, acking only after the handler's commit.

Messages are spread over lanes by restaurant, so one restaurant's events are applied in
the order they arrive while other restaurants proceed in parallel.

Broker faults: the robust connection reconnects and its channel re-registers the consumer
(aio-pika restores the queues and consumers of a channel when it reopens it). The consumer
counts as attached only on the channel underneath where the broker confirmed it: after
`start` has consumed, and after each reopen of the channel with the consumer restored (the
channel's reopen callbacks run once the restore is done). A channel that is merely open
again is not enough: the consumer is re-registered after the channel is, and a restore can
stall (the network drops again) or fail half-way. A consumer still detached while the
connection is up is reopened by hand: the old channel closed, a new one declared and
consumed. Deliveries of a channel that closed cannot be acknowledged any more; the broker
has put them back in the queue, so they are left for the redelivery (the inbox makes a
second application a no-op) rather than applied and logged as errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aio_pika
import aiormq
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustConnection
from aio_pika.exceptions import ChannelInvalidStateError
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
        recover_after: float = 10.0,
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
        self._channel: AbstractRobustChannel | None = None
        # Strong references: a queue object only weakly held can be collected and stop consuming.
        self._declared: DeclaredTopology | None = None
        self._consumer_tag: str | None = None
        self.last_handled_at: float | None = None
        # The channel underneath on which the broker confirmed the consumer (Basic.ConsumeOk).
        self._confirmed_on: aiormq.Channel | None = None
        self._detached_at: float | None = None  # monotonic: when the consumer was lost
        self._stuck_since: float | None = None  # monotonic: connected, yet still detached
        # Detached this long while the connection is up: the channel is reopened by hand.
        self.recover_after = recover_after
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False
        self.reattached = 0  # times the consumer was confirmed back after losing its channel
        self.reopened = 0  # times the channel had to be reopened by hand
        self.left_for_redelivery = 0  # deliveries of a closed channel, redelivered by the broker
        self._left_since_detached = 0

    async def start(self) -> None:
        self._stopping = False
        self._workers = [asyncio.create_task(self._work(lane)) for lane in self._lanes]
        await self.connection.ready()
        await self._open()
        self._watchdog = asyncio.create_task(self._watch(), name=f"{self.name}-consumer-watch")
        log.info("consumer_started", queue=self.topology.queue, types=len(self.topology.bindings))

    async def _open(self) -> None:
        """A channel of its own, the topology declared on it, and the queue consumed."""
        channel = await self.connection.channel(publisher_confirms=True)
        self._channel = channel
        self._confirmed_on = None
        channel.close_callbacks.add(self._channel_closed)
        channel.reopen_callbacks.add(self._channel_reopened)
        await channel.set_qos(prefetch_count=self.prefetch)
        self._declared = await declare_consumer_topology(channel, self.topology)
        self._consumer_tag = await self._declared.queue.consume(self._enqueue)
        await self._confirm(channel)

    async def _confirm(self, channel: AbstractRobustChannel) -> bool:
        """Records the channel underneath as the one the consumer is on, if it is on it.

        Called once the consumer was registered: after `consume` returned (the broker's
        ConsumeOk), and from the channel's reopen callbacks (the restore re-consumed first).
        """
        if channel is not self._channel or self._consumer_tag is None:
            return False  # an old channel, replaced since
        underlay = cast(aiormq.Channel, await channel.get_underlay_channel())
        if underlay.is_closed or self._consumer_tag not in underlay.consumers:
            return False
        self._confirmed_on = underlay
        self._stuck_since = None
        if self._detached_at is not None:
            self.reattached += 1
            log.info(
                "consumer_reattached",
                queue=self.topology.queue,
                detached_seconds=round(time.monotonic() - self._detached_at, 1),
                left_for_redelivery=self._left_since_detached,
            )
            self._detached_at = None
            self._left_since_detached = 0
        return True

    def _channel_closed(self, channel: Any, exc: BaseException | None) -> None:
        if channel is not self._channel or self._stopping:
            return
        confirmed = self._confirmed_on
        if confirmed is not None and not _closed(confirmed):
            return  # a late word about a channel underneath that was replaced since
        self._confirmed_on = None
        if self._detached_at is None:
            self._detached_at = time.monotonic()
            reason = f"{type(exc).__name__}: {exc}"[:200] if exc is not None else None
            log.warning("consumer_detached", queue=self.topology.queue, reason=reason)

    async def _channel_reopened(self, channel: Any) -> None:
        try:
            await self._confirm(channel)
        except Exception as exc:  # the watchdog confirms or reopens it later
            log.warning("consumer_confirm_failed", error=f"{type(exc).__name__}: {exc}"[:200])

    def attached(self) -> bool:
        """Whether the broker has the consumer on the channel this consumer is using now."""
        underlay, channel = self._confirmed_on, self._channel
        return (
            underlay is not None
            and channel is not None
            and not channel.is_closed
            and not _closed(underlay)
            and self._consumer_tag in underlay.consumers
        )

    def _connected(self) -> bool:
        return not self.connection.is_closed and self.connection.connected.is_set()

    async def _watch(self) -> None:
        """Once a second: a consumer detached while the connection is up (the library did not
        restore it, or its restore failed half-way) is reopened after `recover_after`."""
        while True:
            await asyncio.sleep(min(1.0, self.recover_after / 4))
            try:
                await self._recover_if_stuck()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # tried again on the next turn
                log.warning(
                    "consumer_reopen_failed",
                    queue=self.topology.queue,
                    error=f"{type(exc).__name__}: {exc}"[:200],
                )

    async def _recover_if_stuck(self) -> None:
        if self.attached() or not self._connected():
            # While the connection is down, reconnecting restores the channel by itself.
            self._stuck_since = None
            return
        now = time.monotonic()
        if self._stuck_since is None:
            self._stuck_since = now
            return
        if now - self._stuck_since < self.recover_after:
            return
        self._stuck_since = now  # the next attempt no sooner than `recover_after` from now
        await self._reopen()

    async def _reopen(self) -> None:
        """The explicit way back: the old channel closed (what it had delivered goes back to
        the queue), a new one opened, the topology declared and the queue consumed again."""
        log.warning("consumer_reopening", queue=self.topology.queue)
        if self._detached_at is None:
            self._detached_at = time.monotonic()
        old = self._channel
        if old is not None:
            old.close_callbacks.discard(self._channel_closed)
            old.reopen_callbacks.discard(self._channel_reopened)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await old.close()
        async with asyncio.timeout(10):
            await self._open()
        self.reopened += 1

    async def stop(self) -> None:
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watchdog
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
        attached = self.attached()
        workers_alive = bool(self._workers) and not any(t.done() for t in self._workers)
        detached_at = self._detached_at
        return {
            "queue": self.topology.queue,
            # Ready to consume: the broker has the consumer on the live channel, and the
            # lanes run. An open channel alone is not: after a reconnect the channel is
            # open again before its consumer is.
            "consuming": attached and workers_alive,
            "channel_open": channel_open,
            "consumer_attached": attached,
            "detached_seconds": (
                round(time.monotonic() - detached_at, 1) if detached_at is not None else 0.0
            ),
            "workers_alive": workers_alive,
            "buffered": sum(q.qsize() for q in self._lanes),
            "reattached": self.reattached,
            "reopened": self.reopened,
            "left_for_redelivery": self.left_for_redelivery,
        }

    async def _enqueue(self, message: AbstractIncomingMessage) -> None:
        key = str((message.headers or {}).get("restaurantid") or message.message_id or "")
        self._lanes[hash(key) % len(self._lanes)].put_nowait(message)

    async def _work(self, lane: asyncio.Queue[AbstractIncomingMessage]) -> None:
        while True:
            message = await lane.get()
            if delivery_lost(message):  # buffered when its channel closed: redelivered
                self._leave_for_redelivery(message)
                continue
            try:
                await self.handle(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one message stop the lane
                if delivery_lost(message):
                    # Its channel closed while it was applied: the ack cannot be sent; the
                    # broker delivers it again and the inbox makes that a no-op.
                    self._leave_for_redelivery(message)
                else:
                    log.exception("consumer_lane_error", queue=self.topology.queue)

    def _leave_for_redelivery(self, message: AbstractIncomingMessage) -> None:
        self.left_for_redelivery += 1
        self._left_since_detached += 1
        log.debug("delivery_left_for_redelivery", queue=self.topology.queue, id=message.message_id)

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


def _closed(channel: aiormq.Channel) -> bool:
    return channel.is_closed or channel.connection.is_closed


def delivery_lost(message: AbstractIncomingMessage) -> bool:
    """Whether the channel a message came on has closed: it can no longer be acknowledged or
    rejected there, and the broker returns it to the queue (as it does with every delivery
    of a channel that closes)."""
    try:
        return bool(message.channel.is_closed)
    except ChannelInvalidStateError:  # what the message raises once its channel is closed
        return True
