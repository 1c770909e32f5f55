"""The gateway in front of the real services, each its own process (the `stack` fixture)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from websockets.asyncio.client import connect

from maitred_messaging.testing import wait_until
from tests.conftest import StaffAccount, new_staff
from tests.integration.realtime_helpers import receive

OPENING_HOURS = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)]


async def _restaurant(client: httpx.AsyncClient, owner: StaffAccount) -> str:
    created = await client.post(
        "/v1/restaurants",
        json={
            "name": "Le Petit Zinc",
            "phone": "+33612345678",
            "timezone": "Europe/Paris",
            "opening_hours": OPENING_HOURS,
        },
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    rid = str(created.json()["id"])
    table = await client.post(
        f"/v1/restaurants/{rid}/tables",
        json={"label": "T1", "capacity": 4, "kind": "table"},
        headers=owner.headers,
    )
    assert table.status_code == 201, table.text

    async def manual_mode() -> bool:  # the host calls: nobody is called at once
        answer = await client.patch(
            f"/v1/restaurants/{rid}/waitlist/settings",
            json={"mode": "manual"},
            headers=owner.headers,
        )
        return answer.status_code == 200

    await wait_until(manual_mode, timeout=15)
    return rid


async def _join(client: httpx.AsyncClient, rid: str, **extra: Any) -> httpx.Response:
    """Joins once the waitlist has heard of the restaurant (it learns from events)."""
    answer: httpx.Response | None = None
    headers = extra.pop("headers", None) or {}

    async def joined() -> bool:
        nonlocal answer
        answer = await client.post(
            f"/v1/restaurants/{rid}/waitlist/parties",
            json={"name": "Alex", "party_size": 2, **extra},
            headers=headers,
        )
        return answer.status_code != 404

    await wait_until(joined, timeout=15)
    assert answer is not None
    return answer


async def test_whole_path_staff_and_diner_through_the_real_services(stack) -> None:
    base = stack.url("gateway")
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        owner = await new_staff(client)
        stranger = await new_staff(client)
        rid = await _restaurant(client, owner)
        me = await client.get("/v1/auth/me", headers=owner.headers)
        assert me.json()["memberships"] == [{"restaurant_id": rid, "role": "owner"}]

        staff_ws = await connect(
            base.replace("http", "ws") + "/v1/realtime",
            additional_headers=owner.headers,
        )
        assert await receive(staff_ws) == {"type": "ready"}
        await staff_ws.send(json.dumps({"type": "subscribe", "channel": f"restaurant:{rid}"}))
        assert (await receive(staff_ws))["type"] == "subscribed"

        # A body cannot set what it does not own: status, position, restaurant.
        joined = await _join(
            client, rid, status="seated", position=1, restaurant_id=str(uuid.uuid4())
        )
        assert joined.status_code == 201, joined.text
        party = joined.json()
        assert party["status"] == "waiting" and party["position"] == 1
        pid, party_token = party["id"], party["party_token"]

        first = await receive(staff_ws, timeout=15)
        while first["event"] != "waitlist.party.joined.v1":  # e.g. the settings change before
            first = await receive(staff_ws, timeout=15)
        assert first["data"]["party_id"] == pid
        assert "phone" not in first["data"]

        # The party's own channel, with its token checked by the waitlist.
        party_ws = await connect(base.replace("http", "ws") + "/v1/realtime")
        await party_ws.send(json.dumps({"type": "auth", "token": party_token}))
        assert await receive(party_ws) == {"type": "ready"}
        await party_ws.send(json.dumps({"type": "subscribe", "channel": f"restaurant:{rid}"}))
        assert (await receive(party_ws))["type"] == "error"
        await party_ws.send(json.dumps({"type": "subscribe", "channel": f"party:{pid}"}))
        assert (await receive(party_ws))["type"] == "subscribed"

        diner = {"Authorization": f"Bearer {party_token}"}
        own = await client.get(f"/v1/parties/{pid}", headers=diner)
        assert own.status_code == 200 and own.json()["restaurant_id"] == rid
        other = await _join(client, rid, phone="+14155550199")
        other_pid = other.json()["id"]
        assert (await client.get(f"/v1/parties/{other_pid}", headers=diner)).status_code in (
            403,
            404,
        )
        # A diner token never reaches a staff route; another restaurant's staff get 404.
        assert (await client.get(f"/v1/restaurants/{rid}/tables", headers=diner)).status_code == 403
        for path in (f"/v1/restaurants/{rid}/tables", f"/v1/restaurants/{rid}/waitlist/parties"):
            assert (await client.get(path, headers=stranger.headers)).status_code == 404
        assert (await client.get(f"/v1/parties/{pid}", headers=stranger.headers)).status_code in (
            403,
            404,
        )

        # The restaurant channel saw both joins, in order; the party saw its own line.
        seen = [first]
        while len([m for m in seen if m["event"] == "waitlist.party.joined.v1"]) < 2:
            seen.append(await receive(staff_ws, timeout=15))
        last_id = seen[-1]["id"]
        for _ in range(10):
            line = await receive(party_ws, timeout=15)
            if line["event"] == "waitlist.queue.changed.v1":
                break
        assert line["data"]["party_id"] == pid and line["data"]["position"] == 1
        assert "parties" not in line["data"]  # nothing about the other parties
        await staff_ws.close()

        # Missed while away: resumed from the buffer, in order, once.
        await client.post(f"/v1/parties/{pid}/leave", headers=diner)
        await asyncio.sleep(1.0)
        again = await connect(
            base.replace("http", "ws") + "/v1/realtime", additional_headers=owner.headers
        )
        await receive(again)
        await again.send(
            json.dumps({"type": "resume", "channel": f"restaurant:{rid}", "after": last_id})
        )
        missed = [await receive(again, timeout=15)]
        while missed[-1]["event"] != "waitlist.party.left.v1":
            missed.append(await receive(again, timeout=15))
        ids = [m["id"] for m in missed]
        assert len(ids) == len(set(ids)) and last_id not in ids
        await again.close()
        await party_ws.close()


async def test_idempotent_join_through_the_real_waitlist_joins_once(stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
        owner = await new_staff(client)
        rid = await _restaurant(client, owner)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = await _join(client, rid, phone="+14155550142", headers=key)
        retry = await client.post(
            f"/v1/restaurants/{rid}/waitlist/parties",
            json={"name": "Alex", "party_size": 2, "phone": "+14155550142"},
            headers=key,
        )
        assert first.status_code == retry.status_code == 201
        assert retry.json()["id"] == first.json()["id"]
        listed = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=owner.headers)
        assert [p["id"] for p in listed.json()["items"]] == [first.json()["id"]]


async def test_merged_openapi_lists_every_services_public_paths(stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
        doc = (await client.get("/openapi.json")).json()
    paths = doc["paths"]
    for expected in (
        "/v1/auth/token",
        "/v1/restaurants",
        "/v1/restaurants/{restaurant_id}/tables",
        "/v1/restaurants/{restaurant_id}/slots",
        "/v1/restaurants/{restaurant_id}/waitlist/parties",
        "/v1/parties/{party_id}",
        "/v1/reservations/{reservation_id}",
        "/v1/restaurants/{restaurant_id}/notifications",
    ):
        assert expected in paths, expected
    assert doc["x-missing-services"] == []
    assert not [p for p in paths if p.startswith("/internal") or "/internal/" in p]
