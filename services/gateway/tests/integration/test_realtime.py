"""Realtime over WebSocket and SSE, with a real client, fed by events on the exchange."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx

from tests.conftest import PARTY_TOKENS, RunningGateway, new_restaurant, new_staff, run_gateway
from tests.integration.realtime_helpers import (
    called,
    close_code,
    joined,
    notification_for,
    open_socket,
    publish,
    queue_changed,
    receive,
    subscribe,
    table_changed,
)


async def _staff_and_restaurant(gateway: RunningGateway) -> tuple[str, uuid.UUID]:
    async with gateway.client() as client:
        staff = await new_staff(client)
        rid = await new_restaurant(client, staff)
    return staff.token, uuid.UUID(rid)


def _party(rid: uuid.UUID) -> tuple[str, uuid.UUID]:
    pid = uuid.uuid4()
    token = f"pty_{uuid.uuid4().hex}"
    PARTY_TOKENS[token] = {"party_id": str(pid), "restaurant_id": str(rid)}
    return token, pid


async def test_staff_receive_their_restaurants_events_in_order_without_phones(
    gateway: RunningGateway, amqp_url: str
) -> None:
    token, rid = await _staff_and_restaurant(gateway)
    ws = await open_socket(gateway.ws_url, token)
    assert await receive(ws) == {"type": "ready"}
    channel = f"restaurant:{rid}"
    assert await subscribe(ws, channel) == {"type": "subscribed", "channel": channel}
    pid = uuid.uuid4()
    events = [joined(rid, pid), queue_changed(rid, pid), table_changed(rid)]
    await publish(amqp_url, table_changed(uuid.uuid4()), *events)  # another restaurant first
    received = [await receive(ws) for _ in events]
    assert [m["id"] for m in received] == [e.id for e in events]
    assert [m["event"] for m in received] == [e.type for e in events]
    first = received[0]
    assert set(first) == {"type", "channel", "id", "event", "time", "data"}
    assert first["type"] == "event" and first["channel"] == channel
    assert "phone" not in first["data"] and first["data"]["party_id"] == str(pid)
    await ws.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
    await ws.close()


async def test_resume_after_last_id_misses_nothing_and_duplicates_nothing(
    gateway: RunningGateway, amqp_url: str
) -> None:
    token, rid = await _staff_and_restaurant(gateway)
    channel = f"restaurant:{rid}"
    ws = await open_socket(gateway.ws_url, token, header=True)
    assert await receive(ws) == {"type": "ready"}
    await subscribe(ws, channel)
    before = [table_changed(rid), table_changed(rid)]
    await publish(amqp_url, *before)
    got = [await receive(ws) for _ in before]
    await ws.close()

    missed = [table_changed(rid) for _ in range(3)]
    await publish(amqp_url, *missed)
    await asyncio.sleep(0.5)  # delivered to nobody: the buffer holds them
    ws = await open_socket(gateway.ws_url, token)
    await receive(ws)
    await ws.send(json.dumps({"type": "resume", "channel": channel, "after": got[-1]["id"]}))
    replayed = [await receive(ws) for _ in missed]
    assert [m["id"] for m in replayed] == [e.id for e in missed]
    live = table_changed(rid)
    await publish(amqp_url, live)
    assert (await receive(ws))["id"] == live.id
    # Nothing else arrives: no duplicates of what was replayed.
    await ws.send(json.dumps({"type": "ping"}))
    assert await _next_non_event(ws) == {"type": "pong"}

    await ws.send(json.dumps({"type": "resume", "channel": channel, "after": "unknown-id"}))
    assert await receive(ws) == {"type": "resync", "channel": channel}
    await ws.close()


async def _next_non_event(ws) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert message["type"] != "event", message
    return message


async def test_party_token_sees_only_its_own_line_and_notifications(
    gateway: RunningGateway, amqp_url: str
) -> None:
    rid = uuid.uuid4()
    token, pid = _party(rid)
    other = uuid.uuid4()
    ws = await open_socket(gateway.ws_url, token, header=True)
    assert await receive(ws) == {"type": "ready"}
    assert (await subscribe(ws, f"party:{other}"))["type"] == "error"
    assert (await subscribe(ws, f"restaurant:{rid}"))["type"] == "error"
    assert (await subscribe(ws, f"party:{pid}"))["type"] == "subscribed"
    snapshot = queue_changed(rid, other, pid)
    events = [snapshot, called(rid, other), called(rid, pid), notification_for(rid, pid)]
    await publish(amqp_url, *events)
    line = await receive(ws)
    assert line["id"] == snapshot.id and line["event"] == "waitlist.queue.changed.v1"
    assert line["data"] == {
        "party_id": str(pid),
        "restaurant_id": str(rid),
        "status": "waiting",
        "position": 2,
        "parties_ahead": 1,
        "estimated_wait_minutes": 20,
        "estimate_low_minutes": 5,
        "estimate_high_minutes": 40,
        "open": True,
    }
    own_call = await receive(ws)
    assert own_call["id"] == events[2].id  # the other party's call never reached it
    note = await receive(ws)
    assert note["event"] == "notifier.notification.created.v1" and note["id"] == events[3].id
    await ws.close()


async def test_bad_credentials_close_with_4401(gateway: RunningGateway) -> None:
    for token, header in (("pty_unknown", False), ("a.b.c", True), ("eyJhbGciOi.x.y", False)):
        ws = await open_socket(gateway.ws_url, token, header=header)
        assert await close_code(ws) == 4401
    ws = await open_socket(gateway.ws_url)
    await ws.send(json.dumps({"type": "subscribe", "channel": "restaurant:x"}))
    assert await close_code(ws) == 4401


async def test_garbage_or_flood_closes_that_client_only(
    gateway: RunningGateway, amqp_url: str
) -> None:
    token, rid = await _staff_and_restaurant(gateway)
    channel = f"restaurant:{rid}"
    bystander = await open_socket(gateway.ws_url, token)
    await receive(bystander)
    await subscribe(bystander, channel)

    garbage = await open_socket(gateway.ws_url, token)
    await receive(garbage)
    await garbage.send("this is not json {")
    assert await close_code(garbage) == 1008

    flood = await open_socket(gateway.ws_url, token)
    await receive(flood)
    for _ in range(200):
        try:
            await flood.send(json.dumps({"type": "ping"}))
        except Exception:
            break
    assert await close_code(flood) == 1008

    huge = await open_socket(gateway.ws_url, token)
    await receive(huge)
    await huge.send(json.dumps({"type": "ping", "pad": "x" * 10_000}))
    assert await close_code(huge) == 1009

    event = table_changed(rid)
    await publish(amqp_url, event)
    assert (await receive(bystander))["id"] == event.id
    await bystander.close()


async def test_two_instances_both_deliver_and_buffer_each_event_once(
    gateway: RunningGateway, make_settings, amqp_url: str, redis_client
) -> None:
    token, rid = await _staff_and_restaurant(gateway)
    channel = f"restaurant:{rid}"
    async with run_gateway(make_settings()) as second:
        sockets = [await open_socket(g.ws_url, token) for g in (gateway, second)]
        for ws in sockets:
            await receive(ws)
            await subscribe(ws, channel)
        events = [table_changed(rid) for _ in range(5)]
        await publish(amqp_url, *events)
        for ws in sockets:
            assert [(await receive(ws))["id"] for _ in events] == [e.id for e in events]
            await ws.close()
    stream = f"{gateway.settings.redis_prefix}rt:{{{channel}}}:stream"
    entries = await redis_client.xrange(stream)
    assert [fields["id"] for _, fields in entries] == [e.id for e in events]


async def test_sse_streams_a_channel_and_resumes_from_last_event_id(
    gateway: RunningGateway, amqp_url: str
) -> None:
    token, rid = await _staff_and_restaurant(gateway)
    channel = f"restaurant:{rid}"
    headers = {"Authorization": f"Bearer {token}"}
    first, second = table_changed(rid), table_changed(rid)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        async with client.stream(
            "GET", "/v1/realtime/sse", params={"channel": channel}, headers=headers
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            assert await anext(lines) == ": connected"
            await publish(amqp_url, first, second)
            frame = await _sse_frame(lines)
            assert frame["id"] == first.id and frame["event"] == first.type
            assert json.loads(frame["data"])["id"] == first.id
        resumed_headers = {**headers, "Last-Event-ID": first.id}
        async with client.stream(
            "GET", "/v1/realtime/sse", params={"channel": channel}, headers=resumed_headers
        ) as stream:
            lines = stream.aiter_lines()
            frame = await _sse_frame(lines)
            assert frame["id"] == second.id
        refused = await client.get(
            "/v1/realtime/sse", params={"channel": f"restaurant:{uuid.uuid4()}"}, headers=headers
        )
        assert refused.status_code == 403
        anonymous = await client.get("/v1/realtime/sse", params={"channel": channel})
        assert anonymous.status_code == 401


async def _sse_frame(lines) -> dict[str, str]:
    frame: dict[str, str] = {}
    while True:
        line = await asyncio.wait_for(anext(lines), 5)
        if line.startswith(":"):
            continue
        if not line:
            if frame:
                return frame
            continue
        name, _, value = line.partition(": ")
        frame[name] = value
