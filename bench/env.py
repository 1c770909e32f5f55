"""The benchmark's own world: a database, a vhost, a Redis prefix and the stack as processes.

Nothing here touches what others use: the database `maitred_bench_<id>` and the vhost of the
same name are created for the run and dropped after it; Redis keys carry the run's prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from maitred_messaging.testing import create_vhost, delete_vhost
from maitred_platform.provision import ServiceDatabase, drop_database, provision, with_database
from maitred_platform.stack import Stack

ADMIN_URL = os.environ.get(
    "MAITRED_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("MAITRED_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("MAITRED_REDIS_URL", "redis://127.0.0.1:6379/0")
BENCH_DIR = Path(__file__).resolve().parent

# The benchmark drives every request from one loopback address: the gateway's per-client
# rate limits would refuse a load test, so they are off in the benchmark's stack.
STACK_ENV = {
    "GATEWAY_RATE_LIMITS_ENABLED": "false",
    "WAITLIST_TIMER_INTERVAL_SECONDS": "0.2",
    "NOTIFIER_WORKER_INTERVAL_SECONDS": "0.5",
    "GATEWAY_LOG_LEVEL": "WARNING",
    "WAITLIST_LOG_LEVEL": "WARNING",
    "RESERVATIONS_LOG_LEVEL": "WARNING",
    "NOTIFIER_LOG_LEVEL": "WARNING",
}


def raise_fd_limit() -> tuple[int, int]:
    """Thousands of WebSockets need thousands of descriptors: soft limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process, from /proc/<pid>/status (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class BenchStack(Stack):
    """The stack as the benchmark runs it: each instance is the service's own
    `python -m <service>`, with the settings of `STACK_ENV` (a figure may add to `extra_env`
    and restart an instance, as the quote figure does with WAITLIST_TIME_SCALE)."""


@dataclass
class Reference:
    """A reference server run as its own process (bench/references)."""

    name: str
    port: int
    process: asyncio.subprocess.Process | None = None
    output: list[str] = field(default_factory=list)
    _pump: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(
        self, module: str, env: dict[str, str] | None = None, ready_path: str = "/ready"
    ) -> None:
        full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(BENCH_DIR.parent)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, "--port", str(self.port),
            env=full_env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._pump = asyncio.create_task(self._read())
        deadline = time.monotonic() + 30
        while not await asyncio.to_thread(_answers, self.url + ready_path):
            if self.process.returncode is not None:
                raise RuntimeError(f"{self.name} exited: {' '.join(self.output[-20:])}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready in 30s")
            await asyncio.sleep(0.2)

    async def _read(self) -> None:
        assert self.process and self.process.stdout
        async for raw in self.process.stdout:
            self.output.append(raw.decode(errors="replace").rstrip())
            del self.output[:-200]

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except Exception:
        return False


@dataclass
class BenchEnv:
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    databases: dict[str, ServiceDatabase] = field(default_factory=dict)
    amqp_url: str = ""
    stack: BenchStack | None = None
    logs: list[str] = field(default_factory=list)
    provisioned: bool = False
    vhost_created: bool = False

    @property
    def name(self) -> str:
        return f"maitred_bench_{self.run_id}"

    @property
    def admin_db_url(self) -> str:
        """libpq URL of the administrator, inside the benchmark's database."""
        return with_database(ADMIN_URL, self.name)

    def role_url(self, service: str) -> str:
        """libpq URL of a service's own role (for seeding its schema as that service would)."""
        return self.databases[service].url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def connect_as(self, service: str) -> asyncpg.Connection:
        """A connection acting as a service's role (`SET ROLE`), opened by the administrator:
        on a shared server near `max_connections`, the superuser's reserved slots still let
        the benchmark in, and the statements run with the service's privileges only."""
        conn = await asyncpg.connect(self.admin_db_url)
        role = self.databases[service].role
        await conn.execute(f"SET ROLE {role}; SET search_path = {service}, extensions")
        return conn

    async def __aenter__(self) -> BenchEnv:
        self.databases = await provision(ADMIN_URL, self.name)
        self.provisioned = True
        self.amqp_url = await create_vhost(AMQP_URL, self.name)
        self.vhost_created = True
        return self

    def new_stack(self, scale: int = 1) -> BenchStack:
        return BenchStack(
            database_urls={service: db.url for service, db in self.databases.items()},
            amqp_url=self.amqp_url,
            redis_url=REDIS_URL,
            redis_prefix=f"{self.name}:",
            scale=scale,
            extra_env=dict(STACK_ENV),
            log_sink=self._log,
        )

    def _log(self, prefix: str, line: str) -> None:
        self.logs.append(f"{prefix:<14}| {line}")
        if len(self.logs) > 20000:
            del self.logs[:5000]

    async def start_stack(self, scale: int = 1) -> BenchStack:
        if self.stack is not None:
            await self.stack.stop()
        self.stack = self.new_stack(scale)
        await self.stack.migrate()
        await self.stack.start(timeout=120)
        return self.stack

    async def __aexit__(self, *exc: Any) -> None:
        if self.stack is not None:
            with contextlib.suppress(Exception):
                await self.stack.stop()
        if self.provisioned and not os.environ.get("MAITRED_KEEP_BENCH_DB"):
            with contextlib.suppress(Exception):
                await drop_database(ADMIN_URL, self.name)
        if self.vhost_created:
            with contextlib.suppress(Exception):
                await delete_vhost(self.name)
