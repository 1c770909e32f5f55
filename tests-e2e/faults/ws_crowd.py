"""A crowd of realtime clients in a process of its own, so that a thousand of them do not
starve the test's event loop (which also runs the proxies every service talks through).

Each client reconnects with jittered back-off and resumes its channel after the last event
id it saw. The test drives the crowd over its stdin/stdout, one JSON document per line:
the crowd says {"subscribed": n} once every client is subscribed; to {"expect": [ids]} it
answers {"done": true|false} (every client has every id, or was told to resync); to
{"report": true} it stops the clients and answers what each received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import websockets

LINE_LIMIT = 256 * 1024 * 1024


@dataclass
class Client:
    url: str
    token: str
    channel: str
    received: list[dict[str, Any]] = field(default_factory=list)
    resyncs: int = 0
    reconnects: int = 0
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        delay = 0.2
        while not self.stop.is_set():
            try:
                await self._session()
                delay = 0.2
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            if self.stop.is_set():
                return
            self.reconnects += 1
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    async def _session(self) -> None:
        async with websockets.connect(self.url, open_timeout=10, close_timeout=1) as ws:
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ready["type"] == "ready", ready
            if self.received:
                after = self.received[-1]["id"]
                await ws.send(json.dumps({"type": "resume", "channel": self.channel,
                                          "after": after}))  # fmt: skip
            else:
                await ws.send(json.dumps({"type": "subscribe", "channel": self.channel}))
            stopping = asyncio.ensure_future(self.stop.wait())
            try:
                while True:
                    receiving = asyncio.ensure_future(ws.recv())
                    await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    if stopping.done():
                        receiving.cancel()
                        return
                    await self._on(ws, json.loads(receiving.result()))
            finally:
                stopping.cancel()

    async def _on(self, ws: Any, message: dict[str, Any]) -> None:
        if message["type"] == "subscribed":
            self.subscribed.set()
        elif message["type"] == "event":
            self.received.append({"id": message["id"]})
        elif message["type"] == "resync":
            self.resyncs += 1
        elif message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))

    def has(self, expected: set[str]) -> bool:
        return bool(self.resyncs) or {m["id"] for m in self.received} >= expected

    def report(self) -> dict[str, Any]:
        return {"received": self.received, "resyncs": self.resyncs, "reconnects": self.reconnects}


@dataclass
class Reported:
    """One client as the crowd reported it."""

    received: list[dict[str, Any]]
    resyncs: int
    reconnects: int


async def _serve(url: str, token: str, channel: str, count: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clients = [Client(url, token, channel) for _ in range(count)]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    await asyncio.gather(*(c.subscribed.wait() for c in clients))
    _say({"subscribed": count})
    while line := await reader.readline():
        order = json.loads(line)
        if "expect" in order:
            expected = set(order["expect"])
            _say({"done": all(c.has(expected) for c in clients)})
        elif order.get("report"):
            for c in clients:
                c.stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            _say({"clients": [c.report() for c in clients]})
            return


def _say(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


@contextlib.asynccontextmanager
async def crowd(
    url: str, token: str, channel: str, count: int, *, subscribed_within: float = 120
) -> AsyncIterator[Crowd]:
    """Starts `count` clients in a child process; yields once every one is subscribed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, url, token, channel, str(count),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=LINE_LIMIT,
    )  # fmt: skip
    running = Crowd(process)
    try:
        first = await running.read(subscribed_within)
        assert first == {"subscribed": count}, first
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@dataclass
class Crowd:
    process: asyncio.subprocess.Process

    async def read(self, timeout: float = 60) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise AssertionError(f"the crowd process ended ({self.process.returncode})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def ask(self, order: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(order).encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read()

    async def has(self, expected: list[str]) -> bool:
        return bool((await self.ask({"expect": expected}))["done"])

    async def report(self) -> list[Reported]:
        answer = await self.ask({"report": True})
        return [Reported(**c) for c in answer["clients"]]


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
