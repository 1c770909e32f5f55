"""A PostgreSQL cluster of the test's own, on its own port and data directory, to restart in
`immediate` mode (a crash: no checkpoint, every connection dropped, recovery on start).

The shared server on 5432 serves every other test, so it is never restarted. This cluster
runs the same installed PostgreSQL; its files belong to the `postgres` account, as the
server refuses to run as root.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from maitred_platform.stack import free_port


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return versions[0].parent if versions else None


def available() -> str | None:
    """Why a private cluster cannot run here, or None when it can."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to drop to the postgres account"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres account"
    return None


@dataclass
class PrivatePostgres:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, *command: str) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None
        argv = [str(bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120, cwd="/")

    async def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        await asyncio.to_thread(
            self._run, "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        await self.start()

    async def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c max_connections=200"
            f" -c unix_socket_directories={self.directory}"
        )
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    async def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every backend is killed, nothing is checkpointed."""
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"
        )

    async def remove(self) -> None:
        with contextlib.suppress(Exception):
            await self.stop_immediately()
        shutil.rmtree(self.directory, ignore_errors=True)
