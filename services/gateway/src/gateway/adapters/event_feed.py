"""This instance's own feed of events for realtime: an exclusive, auto-delete queue.

Every gateway instance binds its own queue to `maitred.events`, so each sees every event
and can serve its own clients. The queue lives as long as the connection; a robust
connection re-declares it (and its bindings and consumer) after a broker restart.
Events are handed to the hub one at a time, in the order the broker delivers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)

from maitred_contracts import CloudEvent
from maitred_messaging.topology import declare_exchange
from maitred_platform.logs import get_logger

log = get_logger(__name__)


class EventFeed:
    def __init__(
        self,
        amqp_url: str,
        bindings: tuple[str, ...],
        deliver: Callable[[CloudEvent], Awaitable[None]],
        prefetch: int = 256,
    ) -> None:
        self.amqp_url = amqp_url
        self.bindings = bindings
        self.deliver = deliver
        self.prefetch = prefetch
        self.queue_name = f"maitred.gateway.realtime.{socket.gethostname()}.{uuid.uuid4().hex[:8]}"
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        # Strong references: a queue only weakly held can be collected and stop consuming.
        self.connection: AbstractRobustConnection | None = None
        self.channel: AbstractRobustChannel | None = None
        self.queue: AbstractQueue | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._connect(), name="realtime-feed-connect"),
            asyncio.create_task(self._work(), name="realtime-feed-work"),
        ]

    async def _connect(self) -> None:
        delay = 0.5
        while True:
            try:
                self.connection = await aio_pika.connect_robust(
                    self.amqp_url,
                    timeout=5,
                    reconnect_interval=1,
                    client_properties={"connection_name": "gateway-realtime"},
                )
                break
            except Exception as exc:
                log.warning("realtime_feed_unreachable", error=str(exc)[:200])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        channel = await self.connection.channel()
        assert isinstance(channel, AbstractRobustChannel)
        self.channel = channel
        await channel.set_qos(prefetch_count=self.prefetch)
        exchange = await declare_exchange(channel)
        self.queue = await channel.declare_queue(
            self.queue_name,
            exclusive=True,
            auto_delete=True,
            # Bounded: if this instance stalls, old events go rather than the broker's memory.
            arguments={"x-max-length": 100_000, "x-overflow": "drop-head"},
        )
        for routing_key in self.bindings:
            await self.queue.bind(exchange, routing_key)
        await self.queue.consume(self._enqueue)
        log.info("realtime_feed_started", queue=self.queue_name)

    async def _enqueue(self, message: AbstractIncomingMessage) -> None:
        self._inbox.put_nowait(message)

    async def _work(self) -> None:
        while True:
            message = await self._inbox.get()
            try:
                event = CloudEvent.from_json(message.body)
                await self.deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad event must not stop realtime for everyone
                log.exception("realtime_event_failed", id=message.message_id)
            with contextlib.suppress(Exception):
                await message.ack()

    def consuming(self) -> bool:
        connection = self.connection
        return (
            self.queue is not None
            and connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
            and all(not task.done() for task in self._tasks[1:])
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.connection.close(), 5)
