"""The classic waiting-list edge cases, through the gateway: each gets the right problem
answer (RFC 9457, with `errors` for bad input) and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from attacks.hostile import owner_with_restaurant

pytestmark = pytest.mark.slow


@pytest.fixture
async def place(target, client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = await owner_with_restaurant(client, target.secrets, tables=2)  # 4 seats at most
    r = await client.patch(
        f"/v1/restaurants/{found['rid']}/waitlist/settings",
        json={"mode": "manual"},
        headers=found["owner"],
    )
    assert r.status_code == 200, r.text
    return found


def problem(r: httpx.Response, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body


async def queue(client: httpx.AsyncClient, place: dict[str, Any]) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/restaurants/{place['rid']}/waitlist/parties", headers=place["owner"])
    assert r.status_code == 200, r.text
    return [{k: p[k] for k in ("id", "status", "position")} for p in r.json()["items"]]


async def join(client: httpx.AsyncClient, rid: str, secrets: set[str], **body: Any):  # type: ignore[no-untyped-def]
    if "phone" in body:
        secrets.add(body["phone"])
    r = await client.post(
        f"/v1/restaurants/{rid}/waitlist/parties",
        json={"name": "Edge", "party_size": 2, **body},
    )
    if r.status_code == 201:
        secrets.add(r.json()["party_token"])
    return r


async def test_joining_a_closed_list_is_409_and_adds_nobody(target, client, place):
    rid = place["rid"]
    r = await client.patch(
        f"/v1/restaurants/{rid}/waitlist/settings", json={"open": False}, headers=place["owner"]
    )
    assert r.status_code == 200
    problem(await join(client, rid, target.secrets), 409)
    assert await queue(client, place) == []


async def test_joining_an_unknown_restaurant_is_404(target, client):
    problem(await join(client, str(uuid.uuid4()), target.secrets), 404)


async def test_joining_twice_with_one_phone_is_409_and_keeps_one_party(target, client, place):
    phone = "+14155550177"
    first = await join(client, place["rid"], target.secrets, phone=phone)
    assert first.status_code == 201, first.text
    problem(await join(client, place["rid"], target.secrets, phone=phone), 409)
    assert [p["id"] for p in await queue(client, place)] == [first.json()["id"]]


@pytest.mark.parametrize("size", [0, -1, 5, 13, 10**9])
async def test_a_party_of_impossible_size_is_422_and_adds_nobody(target, client, place, size):
    """0 or fewer people, more than any table seats (4 here), more than the limit (12)."""
    problem(await join(client, place["rid"], target.secrets, party_size=size), 422, "party_size")
    assert await queue(client, place) == []


async def test_leaving_a_list_you_are_not_on_is_404(client, place):
    unknown = str(uuid.uuid4())
    problem(await client.post(f"/v1/parties/{unknown}/leave", headers=place["owner"]), 404)
    problem(
        await client.post(
            f"/v1/parties/{unknown}/leave", headers={"Authorization": "Bearer pt_not_a_token"}
        ),
        404,
    )


async def test_leaving_twice_is_409_and_the_party_stays_left(target, client, place):
    party = (await join(client, place["rid"], target.secrets)).json()
    mine = {"Authorization": f"Bearer {party['party_token']}"}
    r = await client.post(f"/v1/parties/{party['id']}/leave", headers=mine)
    assert r.status_code == 200 and r.json()["status"] == "left", r.text
    problem(await client.post(f"/v1/parties/{party['id']}/leave", headers=mine), 409)
    r = await client.get(f"/v1/parties/{party['id']}", headers=mine)
    assert r.json()["status"] == "left"


async def test_the_status_of_an_unknown_party_is_404(client, place):
    problem(await client.get(f"/v1/parties/{uuid.uuid4()}", headers=place["owner"]), 404)
    problem(await client.get("/v1/parties/not-a-uuid", headers=place["owner"]), 422)


@pytest.mark.parametrize("capacity", [-1, 0, 101, 10**6, "four"])
async def test_a_bad_table_capacity_change_is_422_and_changes_nothing(client, place, capacity):
    table = place["tables"][0]
    path = f"/v1/restaurants/{place['rid']}/tables/{table['id']}"
    r = await client.patch(path, json={"capacity": capacity}, headers=place["owner"])
    problem(r, 422, "capacity")
    tables = await client.get(f"/v1/restaurants/{place['rid']}/tables", headers=place["owner"])
    assert {t["id"]: t["capacity"] for t in tables.json()["items"]}[table["id"]] == 4
