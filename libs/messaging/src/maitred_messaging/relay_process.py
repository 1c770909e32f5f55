"""The outbox relay in a process of its own, beside the service that owns the outbox.

In the service's process the relay shares one event loop with the HTTP requests: under load
every publish waits behind requests, and the events fall behind the commits they announce.
In a process of its own it gets its own share of the CPU. The relay is the same
`OutboxRelay`; only where it runs differs.

The service starts `python -m maitred_messaging.relay_process` with its settings in the
environment (not on the command line: the DSN can carry a password), restarts it if it dies,
and reads its state from status lines on the child's stderr. The child's logs go to the
service's stdout. When the service goes away, however it ends, the child's stdin reaches
end of file and the child stops: its database connection closes and the relay lock passes
on to another instance's relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sys
from typing import Any

from maitred_messaging import metrics
from maitred_platform.logs import get_logger

log = get_logger(__name__)

STATUS_PREFIX = "@relay-status "
ENV_DSN = "MAITRED_RELAY_DSN"
ENV_SCHEMA = "MAITRED_RELAY_SCHEMA"
ENV_AMQP_URL = "MAITRED_RELAY_AMQP_URL"
ENV_SERVICE = "MAITRED_RELAY_SERVICE"
ENV_LOG_LEVEL = "MAITRED_RELAY_LOG_LEVEL"


class RelayProcess:
    """Supervises the relay's child process; `active` and `last_error` mirror the child's."""

    def __init__(
        self,
        *,
        service: str,
        dsn: str,
        schema: str,
        amqp_url: str,
        log_level: str = "INFO",
        restart_delay: float = 1.0,
    ) -> None:
        self.service = service
        self.env = {
            ENV_DSN: dsn,
            ENV_SCHEMA: schema,
            ENV_AMQP_URL: amqp_url,
            ENV_SERVICE: service,
            ENV_LOG_LEVEL: log_level,
        }
        self.restart_delay = restart_delay
        self.active = False
        self.last_error: str | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def run(self) -> None:
        """Runs the child until cancelled, starting it again whenever it ends."""
        try:
            while True:
                await self._run_child()
                self.active = False
                metrics.RELAY_ACTIVE.set(0)
                log.warning("relay_process_ended", service=self.service, error=self.last_error)
                await asyncio.sleep(self.restart_delay)
        finally:
            self.active = False
            await self._stop_child()

    async def _run_child(self) -> None:
        self.starts += 1
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "maitred_messaging.relay_process",
            env={**os.environ, **self.env},
            stdin=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self.process.stderr is not None
        seen: dict[str, float] = {}  # this child's totals so far, by counter
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith(STATUS_PREFIX):
                with contextlib.suppress(ValueError):
                    self._take(json.loads(line[len(STATUS_PREFIX) :]), seen)
            elif line:
                sys.stderr.write(line + "\n")  # a traceback before logging was set up
        code = await self.process.wait()
        self.last_error = self.last_error or f"the relay process exited with {code}"

    def _take(self, status: dict[str, Any], seen: dict[str, float]) -> None:
        """The child's state and metrics, exported by this process's /metrics."""
        self.active = bool(status.get("active"))
        self.last_error = status.get("error")
        metrics.RELAY_ACTIVE.set(1 if self.active else 0)
        if "pending" in status:
            metrics.PENDING.set(float(status["pending"]))
        for event_type, total in (status.get("published") or {}).items():
            grown = float(total) - seen.get(event_type, 0.0)
            if grown > 0:
                metrics.PUBLISHED.labels(event_type).inc(grown)
                seen[event_type] = float(total)
        failures = float(status.get("failures") or 0.0)
        if failures > seen.get("", 0.0):
            metrics.PUBLISH_FAILURES.inc(failures - seen.get("", 0.0))
            seen[""] = failures

    async def _stop_child(self) -> None:
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(Exception):
                proc.stdin.close()  # end of file: the child stops by itself
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), 5)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), 2)


def _status(active: bool, error: str | None, counts: dict[str, Any] | None = None) -> None:
    body = {"active": active, "error": error, **(counts or {})}
    sys.stderr.write(STATUS_PREFIX + json.dumps(body) + "\n")
    sys.stderr.flush()


def _counts() -> dict[str, Any]:
    """The child's relay metrics, for the service to export as its own."""
    published = {
        sample.labels["type"]: sample.value
        for family in metrics.PUBLISHED.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }
    failures = sum(
        sample.value
        for family in metrics.PUBLISH_FAILURES.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    )
    pending = next((s.value for family in metrics.PENDING.collect() for s in family.samples), 0.0)
    return {"published": published, "failures": failures, "pending": pending}


async def _child() -> None:
    import aio_pika

    from maitred_messaging.relay import OutboxRelay

    env = os.environ
    service, schema = env[ENV_SERVICE], env[ENV_SCHEMA]
    loop = asyncio.get_running_loop()
    stdin_closed = asyncio.Event()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def watch_stdin() -> None:
        with contextlib.suppress(Exception):
            while await reader.read(1024):
                pass
        stdin_closed.set()

    watcher = asyncio.create_task(watch_stdin())
    connection: Any = None
    delay = 0.5
    while connection is None and not stdin_closed.is_set():
        try:
            connection = await aio_pika.connect_robust(
                env[ENV_AMQP_URL],
                timeout=5,
                client_properties={"connection_name": f"{service}-relay"},
                reconnect_interval=1,
            )
        except Exception as exc:
            log.warning("broker_unreachable", service=service, error=str(exc)[:200])
            _status(False, f"{type(exc).__name__}: {exc}"[:300])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stdin_closed.wait(), delay)
            delay = min(delay * 2, 5.0)
    if connection is None:
        return
    relay = OutboxRelay(dsn=env[ENV_DSN], schema=schema, connection=connection)
    gc.collect()
    gc.freeze()  # as in the services: what start-up built stays out of full collections
    relaying = asyncio.create_task(relay.run())
    closed = asyncio.create_task(stdin_closed.wait())
    reported: tuple[bool, str | None, str] | None = None
    try:
        while not closed.done() and not relaying.done():
            counts = _counts()
            now = (relay.active, relay.last_error, json.dumps(counts, sort_keys=True))
            if now != reported:
                _status(relay.active, relay.last_error, counts)
                reported = now
            await asyncio.wait({closed, relaying}, timeout=0.25)
    finally:
        closed.cancel()
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await relaying
        watcher.cancel()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await connection.close()
        _status(False, None)


def main() -> None:
    from maitred_platform.logs import configure_logging

    configure_logging(os.environ.get(ENV_SERVICE, "relay"), os.environ.get(ENV_LOG_LEVEL, "INFO"))
    try:
        import uvloop

        uvloop.run(_child())
    except ImportError:  # pragma: no cover - uvloop is a dependency of every service
        asyncio.run(_child())


if __name__ == "__main__":
    main()
