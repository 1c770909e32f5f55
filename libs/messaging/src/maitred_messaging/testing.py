"""Generic pytest fixtures: a database and a broker vhost of the test run's own, a TCP proxy
to cut, an in-process app, waiting for an eventual outcome.

Loaded into every pytest run of the workspace (entry point `pytest11`); whole-system fixtures
that start the services live in `maitred_testing`. Servers come from
MAITRED_TEST_POSTGRES_URL / MAITRED_TEST_AMQP_URL; without them, local servers on the
standard ports, or containers started with testcontainers when Docker is present.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast
from urllib.parse import quote, urlsplit

import pytest

from maitred_platform.provision import ServiceDatabase, drop_database, provision

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    return result.returncode == 0


def _port_open(host: str, port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    url = os.environ.get("MAITRED_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if not _port_open("127.0.0.1", 5432) and _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    yield LOCAL_POSTGRES


@pytest.fixture(scope="session")
def amqp_server_url() -> Iterator[str]:
    url = os.environ.get("MAITRED_TEST_AMQP_URL")
    if url:
        yield url
        return
    if not _port_open("127.0.0.1", 5672) and _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management-alpine") as rmq:
            params = rmq.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}/"
        return
    yield LOCAL_AMQP


def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def test_run_id() -> str:
    return run_id()


async def create_vhost(amqp_url: str, vhost: str) -> str:
    """Creates a vhost for one test run; returns the AMQP URL that points into it."""
    await asyncio.to_thread(_rabbitmqctl, "add_vhost", vhost)
    await asyncio.to_thread(_rabbitmqctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    parts = urlsplit(amqp_url)
    return f"{parts.scheme}://{parts.netloc}/{quote(vhost, safe='')}"


async def delete_vhost(vhost: str) -> None:
    await asyncio.to_thread(_rabbitmqctl, "delete_vhost", vhost)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
async def amqp_url(amqp_server_url: str, test_run_id: str) -> AsyncIterator[str]:
    vhost = f"maitred_test_{test_run_id}"
    url = await create_vhost(amqp_server_url, vhost)
    yield url
    with contextlib.suppress(Exception):
        await delete_vhost(vhost)


@pytest.fixture(scope="session")
async def databases(
    postgres_admin_url: str, test_run_id: str
) -> AsyncIterator[dict[str, ServiceDatabase]]:
    """A database of this run's own, with every service's role and schema."""
    name = f"maitred_test_{test_run_id}"
    result = await provision(postgres_admin_url, name)
    yield result
    if not os.environ.get("MAITRED_KEEP_TEST_DB"):
        with contextlib.suppress(Exception):
            await drop_database(postgres_admin_url, name)


class TcpProxy:
    """A loopback TCP proxy a test can cut, to take a server away from one client."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.accepting = True

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        """Drops every connection and refuses new ones, as a dead server would."""
        self.accepting = False
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self.accepting = True

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)


@contextlib.asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[Any]:
    """Runs an app's lifespan in-process and yields an httpx client talking to it."""
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Waits for an eventually-true outcome (an event applied elsewhere), or fails the test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = max(deadline - loop.time(), interval)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                if await predicate():
                    return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def staff_headers(
    staff_id: uuid.UUID, memberships: dict[uuid.UUID, str], key: str
) -> dict[str, str]:
    """The signed internal principal header an edge service sends for this staff member."""
    from maitred_platform.principal import HEADER, Principal, Role, sign_principal

    roles = {rid: cast(Role, role) for rid, role in memberships.items()}
    principal = Principal(staff_id=staff_id, memberships=roles)
    return {HEADER: sign_principal(principal, key)}


def service_env(
    service: str, databases: dict[str, ServiceDatabase], amqp_url: str
) -> dict[str, str]:
    """Environment variables that point a service at this test run's database and vhost."""
    prefix = service.upper()
    return {
        f"{prefix}_DATABASE_URL": databases[service].url,
        f"{prefix}_AMQP_URL": amqp_url,
        f"{prefix}_ENVIRONMENT": "test",
    }


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("MAITRED_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
