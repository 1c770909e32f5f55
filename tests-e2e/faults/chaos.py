"""What the fault tests use: a stack whose servers sit behind proxies, and the bookkeeping
that counts acknowledged actions against what an integrator and the API see afterwards.

The shared servers are never touched: "RabbitMQ gone", "Postgres restarted", "Redis down"
and "the network black-holed" are modelled by a proxy between one stack's services and the
shared server. RabbitMQ killed is real, on a broker node of the test's own
(`private_broker.py`). Process faults are real: the service's process gets SIGKILL and is
started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from maitred_messaging.testing import TcpProxy, create_vhost, delete_vhost
from maitred_platform.provision import drop_database, provision
from maitred_platform.stack import Instance, Stack, free_port

# ci: sizes that keep faults+attacks+fuzz within a few minutes of `make test`;
# full: the sizes of the issue (`make test-faults`).
SCALE = os.environ.get("MAITRED_FAULT_SCALE", "ci").strip().lower()
FULL = SCALE == "full"


def sized(ci: int | float, full: int | float) -> Any:
    return full if FULL else ci


# ---------------------------------------------------------------------------------------
# Proxies


class FaultProxy(TcpProxy):
    """A TcpProxy that can also black-hole: bytes stop flowing, nothing is closed or refused.

    While black-holed, each direction holds what it has read and reads no more, so the peers'
    kernel buffers fill as on a dead link; new connections are accepted but not answered.
    Restoring lets the held bytes through, as TCP does when a route comes back.

    `stall_at(pattern)` black-holes a connection from the moment its client sends bytes that
    match: what the client sent from there on is held until `release()`, while the
    connection stays open. Aimed at a message of the protocol, it drops the network at a
    chosen step of a client's work (a consumer re-declaring its queues after a reconnect),
    which a timer could only hope to hit.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.connections = 0
        # A pooler or TCP balancer whose backend is gone: it takes the connection, reads
        # the client's first bytes, and closes (FIN) without a word.
        self.hang_up_after_hello = False
        self.stall_pattern: re.Pattern[bytes] | None = None
        self.stalled = 0  # connections held at the pattern since `stall_at`
        self.released = asyncio.Event()
        self.released.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.transport.abort()
            return
        self._writers.add(writer)
        if self.hang_up_after_hello:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(1024), 5)
            writer.close()
            return
        await self.flowing.wait()
        if not self.accepting or writer.is_closing():
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
        except (OSError, TimeoutError):
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        self.connections += 1

        async def pipe(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, from_client: bool
        ) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    if not self.flowing.is_set():
                        await self.flowing.wait()
                    pattern = self.stall_pattern
                    if from_client and pattern is not None and pattern.search(data):
                        self.stalled += 1
                        await self.released.wait()
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))
        self._writers.discard(writer)
        self._writers.discard(up_writer)

    async def refuse(self) -> None:
        """The server's process is gone: connections reset, the port refuses (no listener)."""
        self.cut()
        if self._server is not None:
            self._server.close()
            self._server = None

    async def listen_again(self) -> None:
        self.restore()
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )

    def blackhole(self) -> None:
        self.flowing.clear()

    def unblackhole(self) -> None:
        self.flowing.set()

    def stall_at(self, pattern: re.Pattern[bytes]) -> None:
        self.stall_pattern = pattern
        self.stalled = 0
        self.released.clear()

    def release(self) -> None:
        """Lets what the stalled connections held through, and stalls no more."""
        self.stall_pattern = None
        self.released.set()

    def cut(self) -> None:
        super().cut()
        self.flowing.set()  # waiting handlers wake, see `accepting` False and drop
        self.release()


def queue_declare_of(queue_pattern: bytes) -> re.Pattern[bytes]:
    """The bytes of an AMQP 0-9-1 queue.declare whose queue name matches: the method frame's
    class 50 and method 10, the reserved short, then the name as a short string."""
    return re.compile(rb"\x00\x32\x00\x0a\x00\x00[\x01-\xff]" + queue_pattern, re.DOTALL)


def via_proxy(url: str, proxy: TcpProxy) -> str:
    """The same URL, pointed at the proxy's loopback port."""
    parts = urlsplit(url)
    creds = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{creds}127.0.0.1:{proxy.port}", parts.path, parts.query, ""))


def host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


# ---------------------------------------------------------------------------------------
# The stack


@dataclass
class FaultStack:
    stack: Stack
    name: str
    direct_amqp_url: str  # the vhost itself, as an integrator reaches it (not proxied)
    amqp: FaultProxy
    reservations_db: FaultProxy
    redis: FaultProxy
    secrets: set[str] = field(default_factory=set)  # phones and tokens the tests used

    @property
    def gateway(self) -> str:
        return self.stack.url("gateway")

    @property
    def logs(self) -> list[str]:
        return self.stack.logs

    def instances(self, service: str) -> list[Instance]:
        return self.stack.instances[service]

    async def kill(self, instance: Instance) -> None:
        await self.stack.stop_instance(instance, signal.SIGKILL)

    async def start(self, instance: Instance, *, wait: bool = True, timeout: float = 60) -> None:
        await self.stack.start_instance(instance)
        if wait:
            await wait_ready([instance], timeout)

    async def freeze(self, instance: Instance) -> None:
        assert instance.process is not None
        instance.process.send_signal(signal.SIGSTOP)

    async def thaw(self, instance: Instance) -> None:
        assert instance.process is not None
        with contextlib.suppress(ProcessLookupError):
            instance.process.send_signal(signal.SIGCONT)

    async def ready_within(self, timeout: float) -> float:
        """Seconds until every instance reports ready; fails past `timeout`."""
        started = time.monotonic()
        await wait_ready(self.stack.all_instances(), timeout)
        return time.monotonic() - started

    async def queues(self) -> dict[str, dict[str, int]]:
        """Every queue of the stack's vhost: consumers, messages ready and unacknowledged.

        `consumers` comes from `list_consumers`, which asks each queue for its consumers.
        `list_queues` reports, for a quorum queue, a figure the queue refreshes on its
        periodic tick (every 5 s or so): a consumer registered a moment ago is counted 0.
        """
        fields = ["consumers", "messages_ready", "messages_unacknowledged"]
        out = await asyncio.to_thread(
            subprocess.run,
            ["rabbitmqctl", "-q", "list_queues", "-p", self.name, "name", *fields,
             "--no-table-headers"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        found: dict[str, dict[str, int]] = {}
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 1 + len(fields) and all(p.isdigit() for p in parts[1:]):
                found[parts[0]] = dict(zip(fields, map(int, parts[1:]), strict=True))
        consumers = await self.consumers()
        for name, counts in found.items():
            counts["consumers"] = len(consumers.get(name, []))
        return found

    async def consumers(self) -> dict[str, list[str]]:
        """The consumer tags each queue of the stack's vhost has now, as the broker has them."""
        out = await asyncio.to_thread(
            subprocess.run,
            ["rabbitmqctl", "-q", "list_consumers", "-p", self.name, "queue_name", "consumer_tag",
             "--no-table-headers"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        found: dict[str, list[str]] = defaultdict(list)
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2:
                found[parts[0]].append(parts[1])
        return dict(found)


async def instance_health(instance: Instance, timeout: float = 3) -> tuple[int, dict[str, Any]]:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            r = await client.get(f"{instance.url}/health/ready")
            return r.status_code, r.json()
    except Exception as exc:
        return 0, {"error": type(exc).__name__}


async def wait_ready(instances: Iterable[Instance], timeout: float) -> None:
    pending = list(instances)
    deadline = time.monotonic() + timeout
    while pending:
        results = await asyncio.gather(*(instance_health(i) for i in pending))
        pending = [i for i, (status, _) in zip(pending, results, strict=True) if status != 200]
        if not pending:
            return
        if time.monotonic() > deadline:
            details = {i.name: body for i, (_, body) in zip(pending, results, strict=True)}
            raise AssertionError(f"not ready within {timeout:.0f}s: {details}")
        await asyncio.sleep(0.25)


async def relay_holder(instances: list[Instance]) -> Instance | None:
    """The instance whose outbox relay is active (it holds the advisory lock)."""
    for instance in instances:
        _, body = await instance_health(instance)
        outbox = (body.get("checks") or {}).get("outbox") or {}
        if outbox.get("relay_active"):
            return instance
    return None


FAST_TIMERS = {
    "WAITLIST_TIMER_INTERVAL_SECONDS": "0.2",
    "NOTIFIER_WORKER_INTERVAL_SECONDS": "0.2",
    "NOTIFIER_WEBHOOK_ALLOW_PRIVATE": "true",
}


@contextlib.asynccontextmanager
async def fault_stack(
    postgres_admin_url: str,
    amqp_server_url: str,
    redis_url: str,
    name: str,
    *,
    extra_env: dict[str, str] | None = None,
    extra_instances: dict[str, int] | None = None,
    own_broker: bool = False,
) -> AsyncIterator[FaultStack]:
    """The whole stack as processes, reaching RabbitMQ, Redis and the reservations database
    through proxies the test can cut; `extra_instances` adds instances of one service.
    With `own_broker`, `amqp_server_url` is a broker of the test's own, used as it is."""
    dbs = await provision(postgres_admin_url, name)
    vhost_url = amqp_server_url if own_broker else await create_vhost(amqp_server_url, name)
    amqp = await FaultProxy(*host_port(vhost_url, 5672)).start()
    pg = await FaultProxy(*host_port(dbs["reservations"].url, 5432)).start()
    red = await FaultProxy(*host_port(redis_url, 6379)).start()
    database_urls = {service: db.url for service, db in dbs.items()}
    database_urls["reservations"] = via_proxy(database_urls["reservations"], pg)
    lines: list[str] = []
    stack = Stack(
        database_urls=database_urls,
        amqp_url=via_proxy(vhost_url, amqp),
        redis_url=via_proxy(redis_url, red),
        redis_prefix=name,
        scale=1,
        extra_env={**FAST_TIMERS, "GATEWAY_RATE_LIMITS_ENABLED": "false", **(extra_env or {})},
        log_sink=lambda prefix, line: lines.append(f"{prefix} | {line}"),
    )
    stack.logs = lines
    for service, count in (extra_instances or {}).items():
        instances = stack.instances[service]
        for _ in range(count):
            instances.append(Instance(service, len(instances), free_port()))
    running = FaultStack(stack, name, vhost_url, amqp, pg, red)
    try:
        await stack.migrate()
        await stack.start()
        yield running
    except BaseException:
        print("\n".join(lines[-300:]))
        raise
    finally:
        for instance in stack.all_instances():
            if instance.process is not None:
                await running.thaw(instance)
        await stack.stop()
        for proxy in (amqp, pg, red):
            await proxy.close()
        if not os.environ.get("MAITRED_KEEP_TEST_DB"):
            with contextlib.suppress(Exception):
                await drop_database(postgres_admin_url, name)
            if not own_broker:
                with contextlib.suppress(Exception):
                    await delete_vhost(name)


# ---------------------------------------------------------------------------------------
# Load and bookkeeping


async def bounded_gather(
    count: int, concurrency: int, action: Callable[[int], Awaitable[Any]]
) -> list[Any]:
    """Runs action(0..count-1) with at most `concurrency` at once; results in index order."""
    results: list[Any] = [None] * count
    next_index = iter(range(count))

    async def worker() -> None:
        for i in next_index:
            results[i] = await action(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


@dataclass
class Outcome:
    """One client call: its status (0 for no answer), body, and how long it took."""

    status: int
    body: Any
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


async def call(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Outcome:
    started = time.monotonic()
    try:
        r = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        return Outcome(0, None, time.monotonic() - started, error=type(exc).__name__)
    try:
        body = r.json()
    except ValueError:
        body = r.text
    return Outcome(r.status_code, body, time.monotonic() - started, dict(r.headers))


# NANP subscriber numbers: exchange 200-999, line 0000-9999.
_PHONE_SPACE = 800 * 10_000
# Where this run starts counting is random (runs differ); within a run, a counter.
_PHONE_START = uuid.uuid4().int % _PHONE_SPACE
_phones = itertools.count()


def unique_phone(prefix: str = "+1646") -> str:
    """A valid E.164 number no other call in this run has had (whatever the area code), so
    phones never collide: a counter over the exchanges and lines, from a per-run start."""
    n = next(_phones)
    assert n < _PHONE_SPACE, "this run has used every number"
    value = (_PHONE_START + n) % _PHONE_SPACE
    exchange, line = divmod(value, 10_000)
    return f"{prefix}{exchange + 200}{line:04d}"


@dataclass
class Tally:
    """Acknowledged actions against the distinct events an integrator saw for them."""

    expected: list[str]  # keys of acknowledged actions (e.g. party ids)
    seen: dict[str, list[str]]  # key -> event ids, one per delivery, in arrival order

    @property
    def lost(self) -> list[str]:
        return [k for k in self.expected if not self.seen.get(k)]

    @property
    def applied_twice(self) -> list[str]:
        """Keys with more than one distinct event: the action happened twice."""
        return [k for k in self.expected if len(set(self.seen.get(k, []))) > 1]

    @property
    def redelivered(self) -> int:
        """Deliveries of an event id already seen (at-least-once publishing; same id)."""
        return sum(len(ids) - len(set(ids)) for ids in self.seen.values())

    def summary(self) -> str:
        return (
            f"acknowledged={len(self.expected)} lost={len(self.lost)} "
            f"applied_twice={len(self.applied_twice)} redelivered_same_id={self.redelivered}"
        )


def tally(
    events: list[dict[str, Any]], event_type: str, key: str, expected: Iterable[str]
) -> Tally:
    seen: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event["type"] == event_type and event["data"].get(key) is not None:
            seen[str(event["data"][key])].append(event["id"])
    return Tally(list(expected), dict(seen))


def out_of_order(events: list[dict[str, Any]], source_prefix: str) -> list[tuple[int, int]]:
    """Pairs (earlier sequence, later sequence) where an event of one restaurant from one
    service arrived after an event with a higher sequence (first deliveries only)."""
    first: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["type"].startswith(source_prefix) and event["id"] not in first:
            first[event["id"]] = event
    newest: dict[str, int] = {}
    bad: list[tuple[int, int]] = []
    for event in first.values():
        rid = str(event.get("restaurantid"))
        seq = int(event["sequence"])
        if rid in newest and seq < newest[rid]:
            bad.append((newest[rid], seq))
        newest[rid] = max(newest.get(rid, seq), seq)
    return bad


def per_party_out_of_order(events: list[dict[str, Any]], prefix: str) -> list[str]:
    """Parties whose own events (data.party_id) arrived out of `sequence` order."""
    seen: dict[str, list[int]] = defaultdict(list)
    ids: set[str] = set()
    for event in events:
        if not event["type"].startswith(prefix) or event["id"] in ids:
            continue
        ids.add(event["id"])
        party = event["data"].get("party_id")
        if party:
            seen[str(party)].append(int(event["sequence"]))
    return [party for party, seqs in seen.items() if seqs != sorted(seqs)]


async def notification_counts(
    client: httpx.AsyncClient, rid: str, staff: dict[str, str]
) -> Counter[tuple[str, str]]:
    """(kind, party or reservation id) -> how many distinct notifications the notifier made."""
    seen: dict[str, tuple[str, str]] = {}
    before: str | None = None
    for _ in range(200):
        params = {"limit": "200", **({"before": before} if before else {})}
        r = await client.get(f"/v1/restaurants/{rid}/notifications", params=params, headers=staff)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        fresh = [n for n in items if n["id"] not in seen]
        for n in fresh:
            seen[n["id"]] = (n["kind"], str(n.get("party_id") or n.get("reservation_id")))
        if len(items) < 200 or not fresh:
            break
        # Pages overlap by a microsecond, so notifications made in one instant are not skipped.
        last = datetime.fromisoformat(items[-1]["created_at"].replace("Z", "+00:00"))
        before = (last + timedelta(microseconds=1)).isoformat()
    return Counter(seen.values())


async def wait_for_notifications(
    client: httpx.AsyncClient,
    rid: str,
    staff: dict[str, str],
    kind: str,
    ids: Iterable[str],
    timeout: float = 60,
) -> Counter[tuple[str, str]]:
    """Waits until every id has a notification of `kind`; returns the counts seen then."""
    wanted = {(kind, i) for i in ids}
    deadline = time.monotonic() + timeout
    while True:
        counts = await notification_counts(client, rid, staff)
        if wanted <= set(counts) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.5)


def redelivery_counts(events: list[dict[str, Any]]) -> Counter[str]:
    counts = Counter(e["id"] for e in events)
    return Counter({k: v for k, v in counts.items() if v > 1})
