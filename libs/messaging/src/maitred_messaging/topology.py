"""Every exchange, queue and binding, declared in one place.

maitred.events (topic) --type--> maitred.<service> (quorum, delivery limit)
    handler fails      -> maitred.<service>.retry.<n> (TTL = back-off) -> back to the queue
    retries exhausted  -> maitred.<service>.parking   (ops inspect and replay)
    delivery limit hit -> maitred.<service>.parking   (at-least-once dead-lettering)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

EXCHANGE = "maitred.events"


@dataclass(frozen=True)
class ConsumerTopology:
    service: str
    bindings: tuple[str, ...]
    delivery_limit: int = 5
    retry_delays_seconds: tuple[float, ...] = (1.0, 5.0, 25.0)

    @property
    def queue(self) -> str:
        return f"maitred.{self.service}"

    @property
    def parking(self) -> str:
        return f"{self.queue}.parking"

    def retry_queue(self, attempt: int) -> str:
        return f"{self.queue}.retry.{attempt}"


@dataclass
class DeclaredTopology:
    exchange: AbstractExchange
    queue: AbstractQueue
    retry_queues: list[AbstractQueue] = field(default_factory=list)
    parking: AbstractQueue | None = None


async def declare_exchange(channel: AbstractChannel) -> AbstractExchange:
    return await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)


async def declare_consumer_topology(
    channel: AbstractChannel, topology: ConsumerTopology
) -> DeclaredTopology:
    exchange = await declare_exchange(channel)
    parking = await channel.declare_queue(
        topology.parking, durable=True, arguments={"x-queue-type": "quorum"}
    )
    queue = await channel.declare_queue(
        topology.queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": topology.delivery_limit,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": topology.parking,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )
    for routing_key in topology.bindings:
        await queue.bind(exchange, routing_key)
    retries = []
    for attempt, delay in enumerate(topology.retry_delays_seconds, start=1):
        retries.append(
            await channel.declare_queue(
                topology.retry_queue(attempt),
                durable=True,
                arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": topology.queue,
                },
            )
        )
    return DeclaredTopology(exchange=exchange, queue=queue, retry_queues=retries, parking=parking)


AUDIT_QUEUE = "maitred.events.audit"


async def declare_audit_queue(
    channel: AbstractChannel, exchange: AbstractExchange
) -> AbstractQueue:
    """A bounded queue of the latest events of every type.

    It keeps every event routable, so a `mandatory` publish is returned only when the
    broker has lost its topology, and lets ops look at recent traffic.
    """
    queue = await channel.declare_queue(
        AUDIT_QUEUE,
        durable=True,
        arguments={"x-max-length": 10000, "x-overflow": "drop-head"},
    )
    await queue.bind(exchange, "#")
    return queue
