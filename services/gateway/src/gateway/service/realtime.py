"""The realtime hub of one gateway instance: its subscribers, fan-out, and resume.

Events arrive in broker order on one task; an event's channel messages are appended to
their channels' replay buffers first (one round trip), then offered to this instance's
subscribers. A subscriber whose send queue is full is cut off (it would otherwise slow
everyone else down).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge

from gateway.adapters.replay import ReplayBuffer
from gateway.adapters.upstream import Upstreams
from gateway.domain.channels import Channel, Subscriber, deliveries
from gateway.domain.tokens import looks_like_jwt
from gateway.service.identity import Identities
from maitred_contracts import CloudEvent
from maitred_platform.logs import get_logger
from maitred_platform.problems import Problem

log = get_logger(__name__)

CONNECTIONS = Gauge("gateway_realtime_connections", "Open realtime connections")
SENT = Counter("gateway_realtime_messages_total", "Event messages queued to clients")
CUT_OFF = Counter("gateway_realtime_cut_off_total", "Clients closed by the gateway", ["reason"])


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready to send: serialized once, however many clients receive it."""

    type: str
    text: str
    channel: str = ""
    id: str = ""
    event: str = ""

    @classmethod
    def of(cls, message: dict[str, Any]) -> Outgoing:
        return cls(
            type=str(message.get("type", "")),
            text=json.dumps(message),
            channel=str(message.get("channel") or ""),
            id=str(message.get("id") or ""),
            event=str(message.get("event") or ""),
        )


STOP = Outgoing("stop", "")
RECENT_IDS = 512


class Connection:
    """One client (WebSocket or SSE): what it may see, and its bounded send queue."""

    def __init__(self, subscriber: Subscriber, max_queue: int, expires_at: int | None) -> None:
        self.id = uuid.uuid4().hex
        self.subscriber = subscriber
        self.expires_at = expires_at
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue(max_queue)
        self.channels: set[str] = set()
        self.cut = asyncio.Event()
        self.cut_reason = ""
        self.held: dict[str, list[Outgoing]] = {}  # live messages held during a replay
        # Ids recently offered per channel: a replayed event can also arrive live a moment
        # later (another gateway buffered it before this one's feed delivered it).
        self.recent: dict[str, OrderedDict[str, None]] = {}

    def _already_offered(self, message: Outgoing) -> bool:
        if message.type != "event" or not message.id:
            return False
        recent = self.recent.setdefault(message.channel, OrderedDict())
        if message.id in recent:
            return True
        recent[message.id] = None
        if len(recent) > RECENT_IDS:
            recent.popitem(last=False)
        return False

    def offer(self, message: Outgoing | dict[str, Any]) -> None:
        if isinstance(message, dict):
            message = Outgoing.of(message)
        held = self.held.get(message.channel)
        if held is None and self._already_offered(message):
            return
        if held is not None:
            held.append(message)
            if len(held) > self.queue.maxsize:
                self.cut_off("slow")
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.cut_off("slow")

    def cut_off(self, reason: str) -> None:
        if not self.cut.is_set():
            self.cut_reason = reason
            CUT_OFF.labels(reason).inc()
            self.cut.set()

    def expired(self) -> bool:
        return self.expires_at is not None and time.time() >= self.expires_at


class Hub:
    def __init__(
        self, buffer: ReplayBuffer, identities: Identities, upstreams: Upstreams, max_queue: int
    ) -> None:
        self.buffer = buffer
        self.identities = identities
        self.upstreams = upstreams
        self.max_queue = max_queue
        self._subscribers: dict[str, set[Connection]] = defaultdict(set)

    # -- credentials ----------------------------------------------------------------------
    async def authenticate(self, token: str | None) -> Connection | None:
        """A connection for a staff JWT or a party token; None when the token is not valid.

        Raises a 503 problem when the waitlist cannot be asked about a party token.
        """
        if not token or len(token) > 4096:
            return None
        if looks_like_jwt(token):
            try:
                staff = await self.identities.staff(token)
            except Problem as exc:
                if exc.status == 401:
                    return None
                raise
            subscriber = Subscriber(restaurants=frozenset(staff.memberships))
            return self._connection(subscriber, staff.token_expires_at)
        party_id = await self._verify_party_token(token)
        if party_id is None:
            return None
        return self._connection(Subscriber(party_id=party_id), None)

    async def _verify_party_token(self, token: str) -> uuid.UUID | None:
        from maitred_platform.principal import HEADER

        answer = await self.upstreams.request(
            "waitlist",
            "POST",
            "/internal/v1/party-tokens/verify",
            headers={HEADER: self.identities.system_header(), "Content-Type": "application/json"},
            body=json.dumps({"token": token}).encode(),
        )
        if answer.status in (401, 403, 404, 422):
            return None
        if answer.status != 200:
            raise Problem(503, "The waitlist cannot check party tokens right now.")
        try:
            return uuid.UUID(str(json.loads(answer.body)["party_id"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise Problem(502, "The waitlist gave an unusable answer.") from exc

    def _connection(self, subscriber: Subscriber, expires_at: int | None) -> Connection:
        CONNECTIONS.inc()
        return Connection(subscriber, self.max_queue, expires_at)

    # -- subscriptions --------------------------------------------------------------------
    def subscribe(self, connection: Connection, channel: Channel) -> None:
        name = str(channel)
        if not connection.subscriber.may_subscribe(channel):
            raise PermissionError(name)
        connection.channels.add(name)
        self._subscribers[name].add(connection)

    def unsubscribe(self, connection: Connection, name: str) -> None:
        connection.channels.discard(name)
        subscribers = self._subscribers.get(name)
        if subscribers is not None:
            subscribers.discard(connection)
            if not subscribers:
                del self._subscribers[name]

    async def resume(self, connection: Connection, channel: Channel, after_id: str) -> None:
        """Queues the messages missed since `after_id` in order, then live ones; or resync."""
        name = str(channel)
        connection.held[name] = []
        try:
            self.subscribe(connection, channel)
            missed = await self.buffer.since(name, after_id)
        except BaseException:
            connection.held.pop(name, None)
            raise
        held = connection.held.pop(name)
        sent: set[str] = set()
        if missed is None:
            connection.offer({"type": "resync", "channel": name})
        else:
            for raw in missed:
                replayed = Outgoing.of(json.loads(raw))
                sent.add(replayed.id)
                connection.offer(replayed)
        for message in held:
            if message.id not in sent:
                connection.offer(message)

    def disconnect(self, connection: Connection) -> None:
        for name in list(connection.channels):
            self.unsubscribe(connection, name)
        CONNECTIONS.dec()

    # -- fan-out --------------------------------------------------------------------------
    async def publish(self, event: CloudEvent) -> None:
        messages = [(d.channel, Outgoing.of(d.message)) for d in deliveries(event)]
        await self.buffer.append_event(event.id, [(channel, m.text) for channel, m in messages])
        for channel, message in messages:
            subscribers = list(self._subscribers.get(channel, ()))
            for connection in subscribers:
                connection.offer(message)
            SENT.inc(len(subscribers))
