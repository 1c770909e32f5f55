"""Helpers of the realtime tests: publish events as a service would, talk WebSocket."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
from websockets.asyncio.client import ClientConnection, connect

from maitred_contracts import (
    CONTENT_TYPE,
    CloudEvent,
    EventData,
    NotificationCreated,
    PartyCalled,
    PartyJoined,
    QueueChanged,
    QueueEntry,
    TableStatusChanged,
)
from maitred_messaging.topology import declare_exchange


async def publish(amqp_url: str, *events: CloudEvent) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await declare_exchange(channel)
        for event in events:
            await exchange.publish(
                aio_pika.Message(
                    event.to_json(),
                    content_type=CONTENT_TYPE,
                    message_id=event.id,
                    headers={"restaurantid": event.restaurantid},
                ),
                routing_key=event.type,
            )


_sequence = iter(range(1, 10**9))


def wrap(data: EventData) -> CloudEvent:
    return CloudEvent.build(data, sequence=next(_sequence))


def joined(rid: uuid.UUID, pid: uuid.UUID) -> CloudEvent:
    return wrap(PartyJoined.example().model_copy(update={"restaurant_id": rid, "party_id": pid}))


def called(rid: uuid.UUID, pid: uuid.UUID) -> CloudEvent:
    return wrap(PartyCalled.example().model_copy(update={"restaurant_id": rid, "party_id": pid}))


def table_changed(rid: uuid.UUID) -> CloudEvent:
    return wrap(TableStatusChanged.example().model_copy(update={"restaurant_id": rid}))


def queue_changed(rid: uuid.UUID, *pids: uuid.UUID) -> CloudEvent:
    entries = [
        QueueEntry(
            party_id=pid,
            status="waiting",
            position=i + 1,
            parties_ahead=i,
            estimated_wait_minutes=10 * (i + 1),
            estimate_low_minutes=5,
            estimate_high_minutes=20 * (i + 1),
        )
        for i, pid in enumerate(pids)
    ]
    data = QueueChanged(
        restaurant_id=rid,
        open=True,
        parties_waiting=len(pids),
        estimated_wait_minutes=30,
        parties=entries,
    )
    return wrap(data)


def notification_for(rid: uuid.UUID, pid: uuid.UUID) -> CloudEvent:
    example = NotificationCreated.example()
    return wrap(
        example.model_copy(
            update={"restaurant_id": rid, "party_id": pid, "notification_id": uuid.uuid4()}
        )
    )


async def open_socket(url: str, token: str | None = None, header: bool = False) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if header and token else None
    ws = await connect(url, additional_headers=headers, open_timeout=5)
    if token and not header:
        await ws.send(json.dumps({"type": "auth", "token": token}))
    return ws


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") not in ("ping", "pong"):
            return message


async def subscribe(ws: ClientConnection, channel: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
    return await receive(ws)


async def close_code(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    """Reads until the server closes; the close code it sent."""
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
