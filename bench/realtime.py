"""WebSocket clients of the realtime protocol (API.md, Realtime), for timing deliveries.

Clients connect without permessage-deflate (as the iOS client does), so a figure measures the
server's fan-out, not the load generator's decompression.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/v1/realtime"


async def open_client(url: str, token: str, channels: list[str]) -> ClientConnection:
    ws = await connect(
        url, open_timeout=30, ping_interval=None, compression=None, max_queue=64, close_timeout=2
    )
    try:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if ready.get("type") != "ready":
            raise RuntimeError(f"auth refused: {ready}")
        for channel in channels:
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            while True:
                answer = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if answer.get("type") == "subscribed":
                    break
                if answer.get("type") == "error":
                    raise RuntimeError(f"subscribe refused: {answer}")
    except BaseException:
        await ws.close()
        raise
    return ws


class Watcher:
    """One connection that keeps every event it receives with the time it arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                arrived = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") == "event":
                    self.events.append((arrived, message))
                elif message.get("type") == "ping":
                    await self.ws.send('{"type": "pong"}')

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.ws.close()


class Subscriber:
    """A light fan-out client: only notes when a frame containing `marker` arrives."""

    __slots__ = ("arrivals", "marker", "task", "ws")

    def __init__(self, ws: ClientConnection, marker: str) -> None:
        self.ws = ws
        self.marker = marker
        self.arrivals: list[float] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                if self.marker in raw:
                    self.arrivals.append(time.perf_counter())
                elif '"ping"' in raw:
                    await self.ws.send('{"type": "pong"}')

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.ws.close()


async def open_many(
    url: str, token: str, channel: str, count: int, marker: str, parallel: int = 100
) -> list[Subscriber]:
    gate = asyncio.Semaphore(parallel)
    opened: list[Subscriber] = []

    async def one() -> None:
        async with gate:
            for attempt in range(3):  # a loaded machine drops a few handshakes: try again
                try:
                    ws = await open_client(url, token, [channel])
                    break
                except (OSError, TimeoutError, ConnectionClosed):
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)
            opened.append(Subscriber(ws, marker))

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        await close_all(opened)
        raise RuntimeError(f"{len(failures)} of {count} subscribers failed: {failures[0]!r}")
    return opened


async def close_all(clients: list[Any]) -> None:
    for start in range(0, len(clients), 500):
        await asyncio.gather(*(c.close() for c in clients[start : start + 500]))
