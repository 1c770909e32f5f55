"""Starts the services as processes: `make run`, the end-to-end tests and the benchmarks.

Each service instance is `python -m <service>` with its settings in environment variables,
on its own port; the gateway is told every instance of every domain service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from maitred_platform.settings import DEV_INTERNAL_KEY

DOMAIN_SERVICES = ("reservations", "waitlist", "notifier")
SERVICES = (*DOMAIN_SERVICES, "gateway")
DEFAULT_PORTS = {"gateway": 8000, "waitlist": 8001, "reservations": 8002, "notifier": 8003}
LogSink = Callable[[str, str], None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def print_sink(prefix: str, line: str) -> None:
    sys.stdout.write(f"{prefix:<16}| {line}\n")
    sys.stdout.flush()


@dataclass
class Instance:
    service: str
    index: int
    port: int
    process: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}" if self.index else self.service

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Stack:
    database_urls: dict[str, str]
    amqp_url: str
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "maitred"
    scale: int = 1
    fixed_ports: bool = False
    internal_key: str = DEV_INTERNAL_KEY
    extra_env: dict[str, str] = field(default_factory=dict)
    log_sink: LogSink | None = print_sink
    logs: list[str] = field(default_factory=list)
    instances: dict[str, list[Instance]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for service in SERVICES:
            count = 1 if service == "gateway" and self.scale < 1 else self.scale
            self.instances[service] = [
                Instance(service, i, self._port(service, i)) for i in range(max(count, 1))
            ]

    def _port(self, service: str, index: int) -> int:
        if self.fixed_ports:
            return DEFAULT_PORTS[service] + 10 * index
        return free_port()

    def url(self, service: str, index: int = 0) -> str:
        return self.instances[service][index].url

    def env_for(self, service: str, port: int | None = None) -> dict[str, str]:
        prefix = service.upper()
        env = {
            **os.environ,
            f"{prefix}_DATABASE_URL": self.database_urls[service],
            f"{prefix}_AMQP_URL": self.amqp_url,
            f"{prefix}_INTERNAL_KEY": self.internal_key,
            f"{prefix}_PUBLIC_BASE_URL": self.url("gateway"),
            "PYTHONUNBUFFERED": "1",
        }
        if port is not None:
            env[f"{prefix}_PORT"] = str(port)
        if service == "gateway":
            for domain in DOMAIN_SERVICES:
                urls = ",".join(i.url for i in self.instances[domain])
                env[f"GATEWAY_{domain.upper()}_URL"] = urls
            env["GATEWAY_REDIS_URL"] = self.redis_url
            env["GATEWAY_REDIS_PREFIX"] = self.redis_prefix
        env.update(self.extra_env)
        return env

    async def migrate(self) -> None:
        """Runs every service's migrations, each as its own role (as a deploy job would)."""
        results = await asyncio.gather(*(self._migrate(s) for s in SERVICES))
        failed = [msg for msg in results if msg]
        if failed:
            raise RuntimeError("migrations failed:\n" + "\n".join(failed))

    async def _migrate(self, service: str) -> str | None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", service, "migrate",
            env=self.env_for(service),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        if proc.returncode:
            return f"{service}: {out.decode(errors='replace')[-2000:]}"
        return None

    async def start(self, timeout: float = 60.0) -> Stack:
        for service in SERVICES:  # domain services first, so the gateway finds them
            for instance in self.instances[service]:
                await self.start_instance(instance)
        await self.wait_ready(timeout)
        return self

    async def start_instance(self, instance: Instance) -> None:
        instance.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", instance.service, "--port", str(instance.port),
            env=self.env_for(instance.service, instance.port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        instance.pump = asyncio.create_task(self._pump(instance))

    async def add_instance(self, service: str, timeout: float = 60.0) -> Instance:
        """Starts one more instance of a service beside the running ones and waits until it
        is ready. Instances started earlier keep the list of peers they were given."""
        instance = Instance(service, len(self.instances[service]), free_port())
        self.instances[service].append(instance)
        await self.start_instance(instance)
        await _ready(instance, time.monotonic() + timeout, timeout)
        return instance

    async def _pump(self, instance: Instance) -> None:
        assert instance.process and instance.process.stdout
        async for raw in instance.process.stdout:
            if self.log_sink is not None:
                self.log_sink(instance.name, raw.decode(errors="replace").rstrip())

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for instance in self.all_instances():
            await _ready(instance, deadline, timeout)

    def all_instances(self) -> list[Instance]:
        return [i for service in SERVICES for i in self.instances[service]]

    async def stop_instance(self, instance: Instance, sig: int = signal.SIGTERM) -> None:
        proc = instance.process
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if instance.pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(instance.pump, 2)

    async def restart_instance(self, instance: Instance, sig: int = signal.SIGTERM) -> None:
        await self.stop_instance(instance, sig)
        await self.start_instance(instance)

    async def stop(self) -> None:
        # The gateway first, so clients see it go before the services behind it.
        for service in reversed(SERVICES):
            await asyncio.gather(*(self.stop_instance(i) for i in self.instances[service]))


def _die_with_parent() -> None:
    """A service started by a runner or a test must not outlive it, however it ends."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


async def _ready(instance: Instance, deadline: float, timeout: float) -> None:
    """Waits until the instance answers ready; fails if it exits or the deadline passes."""
    while not await asyncio.to_thread(_is_ready, instance.url):
        if instance.process and instance.process.returncode is not None:
            raise RuntimeError(f"{instance.name} exited with {instance.process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{instance.name} not ready after {timeout:.0f}s")
        await asyncio.sleep(0.2)


def _is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health/ready", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except Exception:
        return False
