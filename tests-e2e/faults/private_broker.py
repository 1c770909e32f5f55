"""A RabbitMQ node of the test's own, on its own ports and data directory, to kill with -9.

The shared broker on 5672 serves every other test, so it is never killed. This node runs
the same installed RabbitMQ (`rabbitmq-server` of the Debian package, without plugins) and
keeps its data between a kill and the restart, as a real broker's disk would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from maitred_platform.stack import free_port

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def available() -> str | None:
    """Why a private node cannot run here, or None when it can."""
    if not Path(SERVER).exists():
        return f"{SERVER} is not installed"
    if shutil.which("epmd") is None and not Path("/usr/lib/erlang/bin/epmd").exists():
        return "Erlang's epmd is not installed"
    return None


@dataclass
class PrivateBroker:
    directory: Path
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    node: str = field(default_factory=lambda: f"maitred-faults-{uuid.uuid4().hex[:8]}@localhost")
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        config = self.directory / "rabbitmq.conf"
        config.write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        plugins = self.directory / "enabled_plugins"
        plugins.write_text("[].\n")
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "data"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": os.devnull,  # not the shared node's settings
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    async def start(self, timeout: float = 60) -> float:
        """Starts the node; returns the seconds until it accepts AMQP connections."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [SERVER],
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill takes beam.smp too
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the private RabbitMQ node exited ({self.process.returncode})")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return time.monotonic() - started
            await asyncio.sleep(0.2)
        raise TimeoutError(f"the private RabbitMQ node did not listen within {timeout:.0f} s")

    async def kill(self) -> None:
        """`kill -9` of the node's whole process group (the shell script and beam.smp)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)
        self.process = None
