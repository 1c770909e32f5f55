"""WebSocket /v1/realtime and SSE /v1/realtime/sse, as written in API.md (Realtime).

Close codes: 4401 bad or expired credential; 1008 policy (garbage, flood, no auth in
time); 1009 message too big; 1003 binary frames; 1013 slow client or a dependency down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import StreamingResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from gateway.domain.channels import parse_channel
from gateway.domain.rate_policy import checks_for, client_for
from gateway.service.identity import bearer_of
from gateway.service.parts import GatewayParts, client_ip, parts_of
from gateway.service.realtime import STOP, Connection, Outgoing
from maitred_platform.logs import get_logger
from maitred_platform.problems import Problem

log = get_logger(__name__)
router = APIRouter()

BAD_CREDENTIAL = 4401
POLICY = 1008
TOO_BIG = 1009
UNSUPPORTED = 1003
TRY_LATER = 1013
AUTH_TIMEOUT_SECONDS = 10.0
_PING = Outgoing.of({"type": "ping"})


class Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class TokenBucket:
    """Messages a client may send: a steady rate with a burst; beyond it is a flood."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@router.websocket("/v1/realtime")
async def realtime(websocket: WebSocket) -> None:
    parts = parts_of(websocket)
    await websocket.accept()
    connection: Connection | None = None
    try:
        await _rate_limit(parts, websocket)
        connection = await _authenticate(parts, websocket)
        await websocket.send_text(json.dumps({"type": "ready"}))
        await _serve(parts, websocket, connection)
    except Closing as closing:
        await _close(websocket, closing.code, closing.reason)
    except WebSocketDisconnect:
        pass
    finally:
        if connection is not None:
            parts.hub.disconnect(connection)


async def _rate_limit(parts: GatewayParts, websocket: WebSocket) -> None:
    client = client_for(staff_id=None, diner_token=None, ip=client_ip(websocket))
    try:
        await parts.limiter.enforce(checks_for("realtime", client))
    except Problem as exc:
        raise Closing(TRY_LATER, "too many connections") from exc


async def _authenticate(parts: GatewayParts, websocket: WebSocket) -> Connection:
    token = bearer_of(websocket.headers.get("authorization"))
    if token is None:
        try:
            raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise Closing(POLICY, "authenticate first") from exc
        except KeyError as exc:  # a binary frame
            raise Closing(UNSUPPORTED, "text frames only") from exc
        message = _decode(raw, parts.settings.realtime_max_message_bytes)
        if message.get("type") != "auth" or not isinstance(message.get("token"), str):
            raise Closing(BAD_CREDENTIAL, "authenticate first")
        token = message["token"]
    try:
        connection = await parts.hub.authenticate(token)
    except Problem as exc:
        raise Closing(TRY_LATER, "cannot check the credential now") from exc
    if connection is None:
        raise Closing(BAD_CREDENTIAL, "invalid credential")
    return connection


async def _serve(parts: GatewayParts, websocket: WebSocket, connection: Connection) -> None:
    settings = parts.settings
    stop = asyncio.Event()
    reader: asyncio.Task[Any] = asyncio.create_task(_read(parts, websocket, connection))
    writer: asyncio.Task[Any] = asyncio.create_task(
        _write(websocket, connection, settings.realtime_heartbeat_seconds, stop)
    )
    cut: asyncio.Task[Any] = asyncio.create_task(connection.cut.wait())
    done, _ = await asyncio.wait({reader, writer, cut}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reader, cut):
        task.cancel()
    if writer not in done:
        # Let the writer finish the frame it is sending, so the close frame goes out whole.
        stop.set()
        with contextlib.suppress(asyncio.QueueFull):
            connection.queue.put_nowait(STOP)
        await asyncio.wait({writer}, timeout=1.0)
        writer.cancel()
    for task in (reader, writer, cut):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if cut in done or connection.cut.is_set():
        raise Closing(TRY_LATER, "too slow; reconnect and resume")
    for task in done:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error


async def _read(parts: GatewayParts, websocket: WebSocket, connection: Connection) -> None:
    settings = parts.settings
    bucket = TokenBucket(settings.realtime_messages_per_second, settings.realtime_message_burst)
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000))
        if frame.get("text") is None:
            raise Closing(UNSUPPORTED, "text frames only")
        if not bucket.take():
            raise Closing(POLICY, "too many messages")
        message = _decode(frame["text"], settings.realtime_max_message_bytes)
        await _answer(parts, connection, message)


async def _answer(parts: GatewayParts, connection: Connection, message: dict[str, Any]) -> None:
    kind = message.get("type")
    if kind == "ping":
        connection.offer({"type": "pong"})
    elif kind in ("pong", "auth"):
        return
    elif kind in ("subscribe", "resume"):
        channel = parse_channel(message.get("channel"))
        name = message.get("channel")
        if channel is None or not connection.subscriber.may_subscribe(channel):
            connection.offer(
                {"type": "error", "channel": name, "detail": "This channel is not allowed."}
            )
            return
        after = message.get("after")
        if kind == "resume" and isinstance(after, str) and after:
            await parts.hub.resume(connection, channel, after[:200])
        else:
            parts.hub.subscribe(connection, channel)
            connection.offer({"type": "subscribed", "channel": str(channel)})
    elif kind == "unsubscribe" and isinstance(message.get("channel"), str):
        parts.hub.unsubscribe(connection, message["channel"])
        connection.offer({"type": "unsubscribed", "channel": message["channel"]})
    else:
        raise Closing(POLICY, "unknown message type")


async def _write(
    websocket: WebSocket, connection: Connection, heartbeat: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            message = await asyncio.wait_for(connection.queue.get(), heartbeat)
        except TimeoutError:
            message = _PING
        if stop.is_set() or message is STOP:
            return
        if connection.expired():
            raise Closing(BAD_CREDENTIAL, "credential expired")
        await websocket.send_text(message.text)


def _decode(raw: str, max_bytes: int) -> dict[str, Any]:
    if len(raw) > max_bytes:
        raise Closing(TOO_BIG, "message too big")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise Closing(POLICY, "not JSON") from exc
    if not isinstance(message, dict):
        raise Closing(POLICY, "not a JSON object")
    return message


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code=code, reason=reason), 2)


@router.get("/v1/realtime/sse", tags=["realtime"], response_class=StreamingResponse)
async def realtime_sse(
    request: Request,
    channel: str = Query(description="restaurant:<id> or party:<id>"),
) -> StreamingResponse:
    """Server-sent events of one channel. Send the credential in `Authorization: Bearer`;
    `Last-Event-ID` resumes after that event (or sends a `resync` event)."""
    parts = parts_of(request)
    client = client_for(staff_id=None, diner_token=None, ip=client_ip(request))
    await parts.limiter.enforce(checks_for("realtime", client))
    token = bearer_of(request.headers.get("authorization"))
    if token is None:
        raise Problem(401, "A credential is required.", headers={"WWW-Authenticate": "Bearer"})
    connection = await parts.hub.authenticate(token)
    if connection is None:
        raise Problem(401, "The credential is not valid.", headers={"WWW-Authenticate": "Bearer"})
    wanted = parse_channel(channel)
    if wanted is None or not connection.subscriber.may_subscribe(wanted):
        parts.hub.disconnect(connection)
        raise Problem(403, "This channel is not allowed for this credential.")
    last_id = request.headers.get("last-event-id")
    if last_id:
        await parts.hub.resume(connection, wanted, last_id[:200])
    else:
        parts.hub.subscribe(connection, wanted)
    stream = _sse_stream(parts, connection)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _sse_stream(parts: GatewayParts, connection: Connection) -> AsyncIterator[str]:
    heartbeat = parts.settings.realtime_heartbeat_seconds
    try:
        yield ": connected\n\n"
        while not connection.cut.is_set() and not connection.expired():
            try:
                message = await asyncio.wait_for(connection.queue.get(), heartbeat)
            except TimeoutError:
                yield ": ping\n\n"
                continue
            yield _sse_frame(message)
    finally:
        parts.hub.disconnect(connection)


def _sse_frame(message: Outgoing) -> str:
    if message.type == "event":
        return f"id: {message.id}\nevent: {message.event}\ndata: {message.text}\n\n"
    return f"event: {message.type}\ndata: {message.text}\n\n"
