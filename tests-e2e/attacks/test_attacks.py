"""The attack pass, through the gateway as any client on the internet would try it: another
tenant's staff routes, another diner's routes, forged staff tokens, mass assignment, oversized
and deeply nested bodies, WebSocket floods and garbage. Each refusal leaves nothing changed."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import websockets
from attacks.hostile import owner_with_restaurant
from support import Realtime

from gateway.config import DEV_JWT_SECRET
from gateway.domain.routing import resolve

pytestmark = pytest.mark.slow


async def join(client: httpx.AsyncClient, secrets: set[str], rid: str, **extra: Any) -> dict:  # type: ignore[type-arg]
    phone = f"+1415{uuid.uuid4().int % 10**7:07d}"
    phone = phone[:5] + str(int(phone[5]) % 8 + 2) + phone[6:]  # a valid NANP exchange
    secrets.add(phone)
    body = {"name": "Diner", "party_size": 2, "phone": phone, **extra}
    r = await client.post(f"/v1/restaurants/{rid}/waitlist/parties", json=body)
    assert r.status_code == 201, r.text
    party = r.json()
    secrets.add(party["party_token"])
    return party


async def book(client: httpx.AsyncClient, secrets: set[str], rid: str, hour: int) -> dict:  # type: ignore[type-arg]
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()
    phone = f"+1212555{uuid.uuid4().int % 10**4:04d}"
    secrets.add(phone)
    r = await client.post(
        f"/v1/restaurants/{rid}/reservations",
        json={"starts_at": starts, "party_size": 2, "name": "Booker", "phone": phone},
    )
    assert r.status_code == 201, r.text
    secrets.add(r.json()["manage_token"])
    return r.json()


@pytest.fixture
async def tenants(target, client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Restaurant A (the attacker owns it) and B (the victim), each with a party and a booking."""
    a = await owner_with_restaurant(client, target.secrets)
    b = await owner_with_restaurant(client, target.secrets)
    for place in (a, b):  # parties wait (nobody is called on joining), so changes show
        r = await client.patch(
            f"/v1/restaurants/{place['rid']}/waitlist/settings",
            json={"mode": "manual"},
            headers=place["owner"],
        )
        assert r.status_code == 200, r.text
    b["party"] = await join(client, target.secrets, b["rid"])
    b["booking"] = await book(client, target.secrets, b["rid"], 12)
    a["party"] = await join(client, target.secrets, a["rid"])
    a["booking"] = await book(client, target.secrets, a["rid"], 13)
    r = await client.post(
        f"/v1/restaurants/{b['rid']}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["waitlist.party.joined.v1"]},
        headers=b["owner"],
    )
    b["webhook"] = r.json()["id"] if r.status_code == 201 else str(uuid.uuid4())
    return {"a": a, "b": b}


BODIES = {
    "members": {"email": "someone@example.com", "role": "owner"},
    "tables": {"label": "X", "capacity": 2, "kind": "table"},
    "batch": {"tables": [{"label": "X", "capacity": 2, "kind": "table"}]},
    "webhooks": {"url": "https://example.com/h", "event_types": ["waitlist.party.joined.v1"]},
    "opt-outs": {"phone": "+14155550100"},
    "settings": {"open": False},
    "notification-settings": {"reminder_minutes": 5},
    "restaurant": {"name": "Hijacked"},
    "table": {"status": "out_of_service"},
}


def body_for(path: str, method: str) -> Any:
    if method in ("GET", "DELETE"):
        return None
    last = path.rstrip("/").split("/")[-1]
    if path.endswith("/tables/batch"):
        return BODIES["batch"]
    if "{table_id}" in path:
        return BODIES["table"]
    if last == "{restaurant_id}":
        return BODIES["restaurant"]
    return BODIES.get(last, {})


async def test_every_staff_route_of_another_restaurant_is_refused(target, client, tenants):
    """The owner of A calls every staff route of B, from the gateway's own document."""
    a, b = tenants["a"], tenants["b"]
    ids = {
        "restaurant_id": b["rid"], "table_id": b["tables"][0]["id"],
        "party_id": b["party"]["id"], "reservation_id": b["booking"]["id"],
        "webhook_id": b["webhook"],
    }  # fmt: skip
    before = await state_of(client, b)
    document = (await client.get("/openapi.json")).json()
    tried: dict[str, int] = {}
    for path, operations in document["paths"].items():
        for method in operations:
            method = method.upper()
            route = resolve(method, path.replace("{", "").replace("}", ""))
            if route is None or route.access == "public" or "{" not in path:
                continue  # public, or not about a restaurant (creating one's own)
            url = path.format(**{k: v for k, v in ids.items() if "{" + k + "}" in path})
            if method == "GET" and url.endswith("/reservations"):
                url += f"?date={datetime.now(UTC).date().isoformat()}"
            r = await client.request(method, url, json=body_for(path, method), headers=a["owner"])
            tried[f"{method} {path}"] = r.status_code
    print(json.dumps(tried, indent=1))
    assert len(tried) >= 25
    assert {k: v for k, v in tried.items() if v not in (403, 404)} == {}
    assert await state_of(client, b) == before


async def state_of(client: httpx.AsyncClient, place: dict[str, Any]) -> dict[str, Any]:
    """What B's owner sees: the restaurant, tables, queue, bookings, settings."""
    owner = place["owner"]
    rid = place["rid"]
    day = datetime.fromisoformat(place["booking"]["starts_at"]).date().isoformat()
    paths = [
        f"/v1/restaurants/{rid}",
        f"/v1/restaurants/{rid}/tables",
        f"/v1/restaurants/{rid}/waitlist/parties",
        f"/v1/restaurants/{rid}/waitlist/settings",
        f"/v1/restaurants/{rid}/reservations?date={day}",
        f"/v1/restaurants/{rid}/notification-settings",
        f"/v1/restaurants/{rid}/webhooks",
    ]
    seen = {}
    for path in paths:
        r = await client.get(path, headers=owner)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        for item in body.get("items", []) if isinstance(body, dict) else []:
            for volatile in ("wait_so_far_minutes", "estimated_wait_minutes", "overdue",
                             "estimate_low_minutes", "estimate_high_minutes"):  # fmt: skip
                item.pop(volatile, None)
        seen[path] = body
    return seen


async def test_a_diner_token_opens_only_its_own_party_and_booking(target, client, tenants):
    a, b = tenants["a"], tenants["b"]
    mine = {"Authorization": f"Bearer {a['party']['party_token']}"}
    other = b["party"]["id"]
    answers = {
        path: (await client.request(method, path, headers=mine)).status_code
        for method, path in [
            ("GET", f"/v1/parties/{other}"),
            ("POST", f"/v1/parties/{other}/check-in"),
            ("POST", f"/v1/parties/{other}/leave"),
            ("POST", f"/v1/parties/{other}/call"),
            ("GET", f"/v1/restaurants/{b['rid']}/waitlist/parties"),
            ("GET", f"/v1/reservations/{b['booking']['id']}"),
            ("DELETE", f"/v1/reservations/{b['booking']['id']}"),
        ]
    }
    assert all(code in (401, 403, 404) for code in answers.values()), answers
    manage = {"Authorization": f"Bearer {a['booking']['manage_token']}"}
    for method in ("GET", "DELETE"):
        r = await client.request(method, f"/v1/reservations/{b['booking']['id']}", headers=manage)
        assert r.status_code in (403, 404), r.text
    victim = {"Authorization": f"Bearer {b['party']['party_token']}"}
    r = await client.get(f"/v1/parties/{other}", headers=victim)
    assert r.json()["status"] == "waiting"
    r = await client.get(
        f"/v1/reservations/{b['booking']['id']}",
        headers={"Authorization": f"Bearer {b['booking']['manage_token']}"},
    )
    assert r.json()["status"] == "booked"


def forged_tokens(staff_id: str) -> dict[str, str]:
    now = int(time.time())
    good = {"sub": staff_id, "iat": now, "exp": now + 600, "aud": "maitred-api",
            "iss": "maitred-gateway", "jti": uuid.uuid4().hex}  # fmt: skip
    kid = {"kid": "k1"}

    def unsigned(claims: dict[str, Any]) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT","kid":"k1"}').rstrip(b"=")
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
        return f"{header.decode()}.{body.decode()}."

    valid = jwt.encode(good, DEV_JWT_SECRET, algorithm="HS256", headers=kid)
    head, _payload, signature = valid.split(".")
    other_claims = {**good, "sub": str(uuid.uuid4())}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(other_claims).encode()).rstrip(b"=")
    return {
        "expired": jwt.encode(
            {**good, "iat": now - 7200, "exp": now - 3600},
            DEV_JWT_SECRET,
            algorithm="HS256",
            headers=kid,
        ),
        "tampered": f"{head}.{tampered_payload.decode()}.{signature}",
        "alg none": unsigned(good),
        "wrong audience": jwt.encode(
            {**good, "aud": "someone-else"}, DEV_JWT_SECRET, algorithm="HS256", headers=kid
        ),
        "wrong key": jwt.encode(good, "x" * 48, algorithm="HS256", headers=kid),
        "unknown key id": jwt.encode(
            good, DEV_JWT_SECRET, algorithm="HS256", headers={"kid": "k9"}
        ),
        "HS512": jwt.encode(good, DEV_JWT_SECRET, algorithm="HS512", headers=kid),
        "no expiry": jwt.encode(
            {k: v for k, v in good.items() if k != "exp"},
            DEV_JWT_SECRET,
            algorithm="HS256",
            headers=kid,
        ),
    }


async def test_forged_staff_tokens_are_refused_everywhere(target, client, tenants):
    a = tenants["a"]
    me = await client.get("/v1/auth/me", headers=a["owner"])
    staff_id = me.json()["id"]
    gateway_ws = target.url("gateway").replace("http://", "ws://") + "/v1/realtime"
    for name, token in forged_tokens(staff_id).items():
        bearer = {"Authorization": f"Bearer {token}"}
        r = await client.get("/v1/auth/me", headers=bearer)
        assert r.status_code == 401, (name, r.text)
        r = await client.patch(
            f"/v1/restaurants/{a['rid']}", json={"name": "Forged"}, headers=bearer
        )
        assert r.status_code == 401, (name, r.text)
        async with websockets.connect(gateway_ws) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd.code == 4401, name
    r = await client.get(f"/v1/restaurants/{a['rid']}")
    assert r.json()["name"] != "Forged"


async def test_mass_assignment_is_ignored_or_refused(target, client, tenants):
    a, b = tenants["a"], tenants["b"]
    rid = a["rid"]
    # A diner cannot choose their status, place or restaurant.
    r = await client.post(
        f"/v1/restaurants/{rid}/waitlist/parties",
        json={"name": "Sneaky", "party_size": 2, "status": "checked_in", "position": 1,
              "restaurant_id": b["rid"], "id": str(uuid.uuid4()), "table_id": a["tables"][0]["id"]},
    )  # fmt: skip
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        target.secrets.add(r.json()["party_token"])
        party = r.json()
        assert party["status"] == "waiting" and party["restaurant_id"] == rid
        assert party["position"] == 2 and party.get("table_id") is None
    # A booking cannot be made cancelled-but-holding, elsewhere, or with a chosen token.
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    starts = datetime(day.year, day.month, day.day, 15, tzinfo=UTC).isoformat()
    r = await client.post(
        f"/v1/restaurants/{rid}/reservations",
        json={"starts_at": starts, "party_size": 2, "name": "Sneaky", "status": "seated",
              "restaurant_id": b["rid"], "manage_token": "bk_chosen", "ends_at": starts},
    )  # fmt: skip
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        target.secrets.add(r.json()["manage_token"])
        booking = r.json()
        assert booking["status"] == "booked" and booking["restaurant_id"] == rid
        assert booking["manage_token"] != "bk_chosen" and booking["ends_at"] != starts
    # A table cannot be created held, nor moved to another restaurant.
    r = await client.post(
        f"/v1/restaurants/{rid}/tables",
        json={"label": "M", "capacity": 2, "kind": "table", "status": "held",
              "restaurant_id": b["rid"], "party_id": b["party"]["id"]},
        headers=a["owner"],
    )  # fmt: skip
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        assert r.json()["status"] == "available" and r.json().get("party_id") is None
    r = await client.patch(
        f"/v1/restaurants/{rid}/tables/{a['tables'][0]['id']}",
        json={"restaurant_id": b["rid"], "label": "Moved"},
        headers=a["owner"],
    )
    assert r.status_code in (200, 422), r.text
    tables_b = await client.get(f"/v1/restaurants/{b['rid']}/tables", headers=b["owner"])
    assert a["tables"][0]["id"] not in {t["id"] for t in tables_b.json()["items"]}
    # An account cannot register itself into a restaurant.
    r = await client.post(
        "/v1/auth/register",
        json={"email": f"m-{uuid.uuid4().hex[:6]}@example.com", "password": "long enough pw",
              "name": "M", "memberships": [{"restaurant_id": b["rid"], "role": "owner"}]},
    )  # fmt: skip
    assert r.status_code in (201, 422), r.text
    assert "memberships" not in r.json() or r.json()["memberships"] == []


async def test_oversized_and_deeply_nested_bodies_never_500(target, client, tenants):
    rid = tenants["a"]["rid"]
    path = f"/v1/restaurants/{rid}/waitlist/parties"
    # A declared length over 1 MiB is refused before the body is read (a client still
    # sending would see the connection close, so only a little is sent here).
    head = await declared_too_big(target.url("gateway"), path, 1024 * 1024 + 1)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"application/problem+json" in head.lower()

    async def chunks():  # no Content-Length: the limit must still hold
        for _ in range(20):
            yield b"x" * 65536

    try:
        r = await client.post(path, content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        pass  # refused mid-stream: the server may close rather than read the rest

    assert await nesting_answers(client, path, (100, 500)) == {
        "array 100": 422, "object 100": 422, "array 500": 422, "object 500": 422,
    }  # fmt: skip


async def declared_too_big(base: str, path: str, length: int) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f'Content-Length: {length}\r\n\r\n{{"name": "'.encode()
        )
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    finally:
        writer.close()


async def nesting_answers(
    client: httpx.AsyncClient, path: str, depths: tuple[int, ...]
) -> dict[str, int]:
    answers = {}
    for depth in depths:
        nested = ("[" * depth + "]" * depth).encode()
        deep_object = ('{"a":' * depth + "1" + "}" * depth).encode()
        for name, body in (("array", nested), ("object", deep_object)):
            try:
                r = await client.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                )
                answers[f"{name} {depth}"] = r.status_code
            except httpx.TransportError:
                answers[f"{name} {depth}"] = 0
    return answers


async def test_a_deeply_nested_body_through_the_gateway_is_a_400(target, client, tenants):
    """Nested far past any real document (1000 and 100,000 deep): refused, never a 500."""
    path = f"/v1/restaurants/{tenants['a']['rid']}/waitlist/parties"
    answers = await nesting_answers(client, path, (1000, 100_000))
    assert all(code in (400, 413, 422) for code in answers.values()), answers


async def test_websocket_floods_and_garbage_are_closed_with_a_policy_code(target, client, tenants):
    a = tenants["a"]
    token = a["owner"]["Authorization"].split()[1]
    url = target.url("gateway").replace("http://", "ws://") + "/v1/realtime"
    async with Realtime.connect(target.url("gateway"), token) as bystander:
        await bystander.subscribe(f"restaurant:{a['rid']}")
        codes = {}
        frames = {
            "not json": ["{nope"],
            "not an object": ["[1, 2]"],
            "unknown type": [json.dumps({"type": "sudo"})],
            "too big": [json.dumps({"type": "ping", "pad": "x" * 10_000})],
            "flood": [json.dumps({"type": "ping"})] * 200,
        }
        for name, messages in frames.items():
            async with websockets.connect(url, max_size=2**20) as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                assert json.loads(await ws.recv())["type"] == "ready"
                try:
                    for message in messages:
                        await ws.send(message)
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                except websockets.ConnectionClosed as closed:
                    codes[name] = closed.rcvd.code if closed.rcvd else None
        async with websockets.connect(url) as ws:
            await ws.send(b"\x00\x01binary")
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                codes["binary"] = closed.rcvd.code if closed.rcvd else None
        assert codes == {"not json": 1008, "not an object": 1008, "unknown type": 1008,
                         "too big": 1009, "flood": 1008, "binary": 1003}  # fmt: skip
        # The bystander is unaffected: it still gets live events.
        table = a["tables"][1]
        r = await client.patch(
            f"/v1/restaurants/{a['rid']}/tables/{table['id']}",
            json={"status": "cleaning"}
            if table["status"] == "occupied"
            else {"status": "occupied"},
            headers=a["owner"],
        )
        assert r.status_code == 200, r.text
        await bystander.wait_event("reservations.table.status_changed.v1", table_id=table["id"])
