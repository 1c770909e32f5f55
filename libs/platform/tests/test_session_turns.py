"""Requests get their database session in arrival order, never more at once than connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from maitred_platform.deps import SessionDep
from maitred_platform.settings import ServiceSettings


class RecordingSessions:
    """Stands in for the sessionmaker: records who held a session, and how many at once."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.held = 0
        self.most_held = 0
        self.release = asyncio.Event()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        self.held += 1
        self.most_held = max(self.most_held, self.held)
        try:
            yield self
        finally:
            self.held -= 1


def queued_for_a_turn(app: FastAPI) -> int:
    """Requests waiting for a connection's turn (the semaphore `SessionDep` waits on)."""
    turns = getattr(app.state, "connection_turns", None)
    waiters = getattr(turns, "_waiters", None) or ()
    return sum(1 for waiter in waiters if not waiter.done())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Lets the other tasks run until `condition` holds, or fails the test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.001)


def app_with(sessions: RecordingSessions, connections: int) -> FastAPI:
    app = FastAPI()
    app.state.settings = ServiceSettings(db_pool_size=connections, db_max_overflow=0)
    app.state.sessions = sessions

    @app.post("/task/{name}")
    async def work(name: str, session: SessionDep) -> dict[str, str]:
        sessions.order.append(name)
        await sessions.release.wait()
        return {"done": name}

    return app


async def test_requests_beyond_the_connections_wait_their_turn_in_arrival_order() -> None:
    sessions = RecordingSessions()
    app = app_with(sessions, connections=2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        names = [f"r{n}" for n in range(6)]
        calls = []
        for n, name in enumerate(names):
            calls.append(asyncio.create_task(client.post(f"/task/{name}")))
            # Each request reaches the service before the next is sent: the first two hold
            # a session, each later one is queued for its turn.
            if n < 2:
                await until(lambda n=n: len(sessions.order) == n + 1)
            else:
                await until(lambda n=n: queued_for_a_turn(app) == n - 1)
        assert sessions.order == ["r0", "r1"]  # the others wait, holding nothing

        sessions.release.set()
        answers = await asyncio.gather(*calls)

    assert [a.json()["done"] for a in answers] == names
    assert sessions.order == names
    assert sessions.most_held == 2
