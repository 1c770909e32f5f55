"""Fixtures of the notifier's integration tests: its migrated schema in this run's database,
the run's broker vhost, a way to publish events as the other services do and to watch the
notifier's own events, and real local servers standing in for the SMS provider, an
integrator's webhook receiver and an SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import aio_pika
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from maitred_contracts import CONTENT_TYPE, EXCHANGE, CloudEvent, EventData
from maitred_messaging.testing import serve_app, staff_headers, wait_until
from maitred_platform.migrations import upgrade_async
from notifier.bootstrap import create_app
from notifier.config import Settings

SMS_SID = "AC_test_account"
SMS_TOKEN = "test-auth-token"
SMS_FROM = "+15005550006"


class HeldPort:
    """A loopback port this test keeps bound, without listening, until it ends.

    Connections to it are refused, as by a stopped server, and no other process can take
    it meanwhile. `serve_smtp` later starts an SMTP server on that very socket, so the port
    is never released between the "down" and the "up" phases.
    """

    def __init__(self) -> None:
        self.sock = socket.socket()  # no SO_REUSEADDR: nobody else can bind the port
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def serve_smtp(self, handler: Any) -> Controller:
        """Starts an SMTP server listening on this port; the caller stops it."""
        controller = _SocketController(handler, self.sock)
        controller.start()
        return controller

    def close(self) -> None:
        self.sock.close()


class _SocketController(Controller):
    """An aiosmtpd controller serving on a socket already bound, instead of binding one."""

    def __init__(self, handler: Any, sock: socket.socket) -> None:
        host, port = sock.getsockname()
        # A loaded machine can take longer than the default 5s to answer the startup probe.
        super().__init__(handler, hostname=host, port=port, ready_timeout=30)
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class FakeHttpServer:
    """A real HTTP server on 127.0.0.1 that records requests and answers as told.

    `statuses` are answered in order to whichever requests come (then 201); `script_sms`
    scripts the answers to the SMS for one phone only. `hold` makes requests wait until
    released.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        # Statuses scripted for the SMS to one phone only: a delivery another test left
        # pending, which this server may be asked to send, cannot consume them.
        self.statuses_to: dict[str, list[int]] = {}
        self.hold = threading.Event()
        self.hold.set()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                record = {"path": self.path, "headers": dict(self.headers), "body": body}
                to = dict(parse_qsl(body.decode(errors="replace"))).get("To")
                with outer.lock:
                    outer.requests.append(record)
                    scripted = outer.statuses_to.get(to) if to is not None else None
                    if scripted:
                        status = scripted.pop(0)
                    else:
                        status = outer.statuses.pop(0) if outer.statuses else 201
                outer.hold.wait(30)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"sid": "SM123"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def script_sms(self, phone: str, statuses: list[int]) -> None:
        """Answers the next SMS to `phone` with `statuses`, in order (then 201)."""
        with self.lock:
            self.statuses_to[phone] = list(statuses)

    def sms_to(self, phone: str) -> list[dict[str, str]]:
        """The SMS the provider accepted or was asked to send to `phone` (form fields)."""
        with self.lock:
            forms = [dict(parse_qsl(r["body"].decode())) for r in self.requests]
        return [f for f in forms if f.get("To") == phone]

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """Collects messages received by a real aiosmtpd server."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


class EventTap:
    """An integrator's view of the bus: an exclusive queue bound to the notifier's events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def start(self, amqp_url: str) -> EventTap:
        self.connection = await aio_pika.connect_robust(amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self.queue = await channel.declare_queue(exclusive=True)
        await self.queue.bind(exchange, "notifier.#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.events.append(json.loads(message.body))

        await self.queue.consume(on_message)
        return self

    def of(self, event_type: str, **data: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())
        ]

    async def close(self) -> None:
        await self.connection.close()


class Bus:
    """Publishes events to maitred.events as the other services' relays do."""

    _sequence = itertools.count(1_000)

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url

    async def __aenter__(self) -> Bus:
        self.connection = await aio_pika.connect_robust(self.amqp_url)
        self.channel = await self.connection.channel(publisher_confirms=True)
        self.exchange = await self.channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    def envelope(self, data: EventData, event_id: str | None = None) -> CloudEvent:
        return CloudEvent.build(data, id=event_id, sequence=next(self._sequence))

    async def publish(self, data: EventData | CloudEvent, event_id: str | None = None) -> str:
        event = data if isinstance(data, CloudEvent) else self.envelope(data, event_id)
        await self.publish_raw(event.to_json(), event.type, event.id, event.restaurantid or "")
        return event.id

    async def publish_raw(
        self, body: bytes, routing_key: str, message_id: str, restaurant_id: str
    ) -> None:
        message = aio_pika.Message(
            body=body,
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            headers={"restaurantid": restaurant_id},
        )
        await self.exchange.publish(message, routing_key=routing_key, timeout=5)


class Notifier:
    """A running notifier instance (lifespan, consumer, worker) and an HTTP client to it."""

    def __init__(self, app: FastAPI, client: Any) -> None:
        self.app = app
        self.client = client
        self.settings: Settings = app.state.settings

    def staff(self, restaurant_id: uuid.UUID, role: str = "owner") -> dict[str, str]:
        return staff_headers(uuid.uuid4(), {restaurant_id: role}, self.settings.internal_key)

    async def notifications(self, restaurant_id: uuid.UUID) -> list[dict[str, Any]]:
        answer = await self.client.get(
            f"/v1/restaurants/{restaurant_id}/notifications", headers=self.staff(restaurant_id)
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@pytest.fixture(scope="session")
async def notifier_db(databases: Any) -> str:
    url: str = databases["notifier"].url
    await upgrade_async("notifier", url)
    return url


@pytest.fixture
def sms_server() -> Iterator[FakeHttpServer]:
    server = FakeHttpServer()
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[FakeHttpServer]:
    server = FakeHttpServer()
    yield server
    server.close()


@pytest.fixture
def hold_port() -> Iterator[Callable[[], HeldPort]]:
    """Makes ports held (bound, refusing connections) until the test ends."""
    held: list[HeldPort] = []

    def hold() -> HeldPort:
        port = HeldPort()
        held.append(port)
        return port

    yield hold
    for port in held:
        port.close()


@pytest.fixture
def make_settings(
    notifier_db: str,
    amqp_url: str,
    sms_server: FakeHttpServer,
    hold_port: Callable[[], HeldPort],
) -> Callable[..., Settings]:
    no_smtp = hold_port().port  # nothing listens unless a test starts a server there

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": notifier_db,
            "amqp_url": amqp_url,
            "environment": "test",
            # The Postgres server is shared: a test instance needs only a few connections.
            "db_pool_size": 3,
            "db_max_overflow": 5,
            "public_base_url": "https://maitred.example",
            "sms_provider": "http",
            "sms_base_url": sms_server.url + "/2010-04-01",
            "sms_account_sid": SMS_SID,
            "sms_auth_token": SMS_TOKEN,
            "sms_from": SMS_FROM,
            "smtp_port": no_smtp,
            "webhook_allow_private": True,
            "worker_interval_seconds": 0.05,
            "send_timeout_seconds": 5.0,
            "retry_base_seconds": 0.05,
            "retry_max_seconds": 0.3,
            "delivery_max_attempts": 4,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@contextlib.asynccontextmanager
async def running(
    settings: Settings, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[Notifier]:
    app = create_app(settings, clock=clock) if clock else create_app(settings)
    async with serve_app(app) as client:

        async def consuming() -> bool:
            consumer = app.state.messaging.consumer
            return consumer is not None and bool(consumer.state()["consuming"])

        await wait_until(consuming, timeout=20)
        try:
            yield Notifier(app, client)
        finally:
            nudger = asyncio.create_task(_recancel_stuck_relays())
    nudger.cancel()


async def _recancel_stuck_relays() -> None:
    """Works around a shutdown hang of the shared relay on Python 3.11.

    `asyncio.wait_for` there swallows a cancellation that lands as its awaited event is
    set (CPython gh-86296, fixed in 3.12): the relay then loops on though "cancelling",
    and the lifespan never ends. Cancelling it again ends it.
    """
    while True:
        await asyncio.sleep(1)
        for task in asyncio.all_tasks():
            if task.get_name().endswith("-relay") and task.cancelling() and not task.done():
                task.cancel()


@pytest.fixture
def start_notifier(
    make_settings: Callable[..., Settings],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Notifier]]:
    def start(
        clock: Callable[[], datetime] | None = None, **overrides: Any
    ) -> contextlib.AbstractAsyncContextManager[Notifier]:
        return running(make_settings(**overrides), clock)

    return start


@pytest.fixture
async def bus(amqp_url: str) -> AsyncIterator[Bus]:
    async with Bus(amqp_url) as b:
        yield b


@pytest.fixture
async def tap(amqp_url: str) -> AsyncIterator[EventTap]:
    t = await EventTap().start(amqp_url)
    yield t
    await t.close()


@pytest.fixture
def smtp_sink(hold_port: Callable[[], HeldPort]) -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = hold_port()  # served on the socket bound here: the port is never up for grabs
    controller = port.serve_smtp(sink)
    yield sink, port.port
    controller.stop()


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


_phone_numbers = itertools.count(1)


def new_phone() -> str:
    """A French mobile number, in a range libphonenumber holds valid, unique in this run
    (the run has a database of its own, so earlier runs' numbers do not matter)."""
    return f"+33612{next(_phone_numbers):06d}"


async def eventually(predicate: Callable[[], Any], timeout: float = 60.0) -> None:
    # Generous: it returns as soon as the outcome is there; a loaded machine may take seconds.
    async def check() -> bool:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        return bool(result)

    await wait_until(check, timeout=timeout)


@pytest.fixture
def helpers() -> Any:
    class Helpers:
        later = staticmethod(later)
        new_phone = staticmethod(new_phone)
        eventually = staticmethod(eventually)
        running = staticmethod(running)
        FakeHttpServer = globals()["FakeHttpServer"]
        SmtpSink = globals()["SmtpSink"]

    return Helpers
