"""Fixtures: the gateway served by uvicorn in-process (real sockets, so WebSockets work),
against this run's database, vhost and a Redis prefix of its own, in front of small
stand-in services (real HTTP servers) that echo what they receive.

The tests that need the real services use the `stack` fixture (tests/integration/test_stack*).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import uvicorn
from aiohttp import web

from gateway.bootstrap import create_app
from gateway.config import Settings
from maitred_platform.migrations import upgrade_async

STAND_IN = web.AppKey("stand_in", object)
PARTY_TOKENS: dict[str, dict[str, str]] = {}  # token -> {party_id, restaurant_id}


@dataclass
class StandIn:
    """A downstream service stand-in: records requests and answers them by echoing."""

    name: str
    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)
    runner: web.AppRunner | None = None


async def _echo(request: web.Request) -> web.Response:
    stand_in: StandIn = request.app[STAND_IN]
    body = await request.read()
    record = {
        "method": request.method,
        "path": request.path,
        "query": request.rel_url.raw_query_string,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": body.decode(errors="replace"),
        "service": stand_in.name,
    }
    stand_in.seen.append(record)
    if request.path == "/v1/restaurants" and request.method == "POST":
        return web.json_response({"id": str(uuid.uuid4()), "name": "Chez Test"}, status=201)
    if request.path.endswith("/slow"):
        await asyncio.sleep(5)
    if request.path.endswith("/garbage"):
        assert request.transport is not None  # answer bytes that are not HTTP, then hang up
        request.transport.write(b"this is not http\r\n\r\n")
        request.transport.close()
        return web.Response()
    if request.path.endswith("/unavailable"):
        return web.json_response({"status": 503}, status=503, headers={"Retry-After": "1"})
    if request.path.endswith("/created"):
        return web.json_response({"id": str(uuid.uuid4())}, status=201, headers={"Location": "/x"})
    return web.json_response(record)


async def _verify_party_token(request: web.Request) -> web.Response:
    body = await request.json()
    found = PARTY_TOKENS.get(body.get("token", ""))
    if found is None or "x-maitred-principal" not in {k.lower() for k in request.headers}:
        return web.json_response({"detail": "unknown"}, status=404)
    return web.json_response(found)


async def _openapi(request: web.Request) -> web.Response:
    name = request.app[STAND_IN].name
    sample = {
        "reservations": "/v1/restaurants/{restaurant_id}/tables",
        "waitlist": "/v1/restaurants/{restaurant_id}/waitlist/parties",
        "notifier": "/v1/restaurants/{restaurant_id}/notifications",
    }[name]
    doc = {
        "openapi": "3.1.0",
        "info": {"title": name, "version": "1"},
        "paths": {
            sample: {"get": {"responses": {"200": {"description": "ok"}}}},
            f"/internal/v1/{name}": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/health/ready": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {"Thing": {"type": "object", "title": name}}},
    }
    return web.json_response(doc)


async def _ready(_: web.Request) -> web.Response:
    return web.json_response({"status": "ready"})


async def start_stand_in(name: str) -> StandIn:
    stand_in = StandIn(name)
    app = web.Application()
    app[STAND_IN] = stand_in
    app.router.add_get("/openapi.json", _openapi)
    app.router.add_get("/health/ready", _ready)
    app.router.add_post("/internal/v1/party-tokens/verify", _verify_party_token)
    app.router.add_route("*", "/{tail:.*}", _echo)
    stand_in.runner = web.AppRunner(app)
    await stand_in.runner.setup()
    site = web.TCPSite(stand_in.runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stand_in.url = f"http://127.0.0.1:{port}"
    return stand_in


@pytest.fixture(scope="session")
async def stand_ins() -> AsyncIterator[dict[str, StandIn]]:
    started = {
        name: await start_stand_in(name) for name in ("reservations", "waitlist", "notifier")
    }
    yield started
    for stand_in in started.values():
        assert stand_in.runner is not None
        await stand_in.runner.cleanup()


@pytest.fixture(scope="session")
async def gateway_database(databases: Any) -> str:
    url: str = databases["gateway"].url
    await upgrade_async("gateway", url)
    return url


@pytest.fixture(scope="session")
def redis_prefix(test_run_id: str) -> str:
    return f"maitred_test_{test_run_id}:gw:"


@pytest.fixture(scope="session")
async def redis_client(redis_prefix: str) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    yield client
    keys = [key async for key in client.scan_iter(match=redis_prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(scope="session")
def make_settings(
    gateway_database: str, amqp_url: str, redis_prefix: str, stand_ins: dict[str, StandIn]
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": gateway_database,
            "amqp_url": amqp_url,
            "redis_prefix": redis_prefix,
            "reservations_url": stand_ins["reservations"].url,
            "waitlist_url": stand_ins["waitlist"].url,
            "notifier_url": stand_ins["notifier"].url,
            "upstream_timeout_seconds": 1.0,
            # Each test client gets an address of its own, so limits do not leak across tests.
            "trust_forwarded_for": True,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@dataclass
class RunningGateway:
    url: str
    settings: Settings
    app: Any

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/v1/realtime"

    def client(self, ip: str | None = None) -> httpx.AsyncClient:
        address = (
            ip or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        )
        return httpx.AsyncClient(
            base_url=self.url, headers={"X-Forwarded-For": address}, timeout=10
        )


@contextlib.asynccontextmanager
async def run_gateway(settings: Settings) -> AsyncIterator[RunningGateway]:
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    running = RunningGateway(f"http://127.0.0.1:{port}", settings, app)
    try:
        await _wait_feed(app)
        yield running
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def _wait_feed(app: Any) -> None:
    """Waits until the instance consumes events, so a test's first event is not missed."""
    for _ in range(300):
        _, details = await app.state.health.report()
        if details.get("realtime_feed", {}).get("ok"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the gateway's realtime event feed did not start")


@pytest.fixture(scope="session")
async def gateway(make_settings: Callable[..., Settings]) -> AsyncIterator[RunningGateway]:
    async with run_gateway(make_settings()) as running:
        yield running


@dataclass
class StaffAccount:
    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def new_staff(client: httpx.AsyncClient) -> StaffAccount:
    email = f"staff-{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery"
    answer = await client.post(
        "/v1/auth/register", json={"email": email, "password": password, "name": "Sam"}
    )
    assert answer.status_code == 201, answer.text
    token = await client.post("/v1/auth/token", json={"email": email, "password": password})
    assert token.status_code == 200, token.text
    return StaffAccount(answer.json()["id"], email, token.json()["access_token"])


async def new_restaurant(client: httpx.AsyncClient, staff: StaffAccount) -> str:
    answer = await client.post("/v1/restaurants", json={"name": "Chez"}, headers=staff.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def last_seen(stand_in: StandIn) -> dict[str, Any]:
    return stand_in.seen[-1]


def decode(text: str) -> Any:
    return json.loads(text)
