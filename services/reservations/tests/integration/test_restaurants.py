"""Restaurant admin over HTTP: create, read, list, change; bad configurations change nothing."""

from __future__ import annotations

import uuid

import httpx

from .conftest import EventLog, Staff, open_restaurant, restaurant_body


async def test_staff_create_a_restaurant_and_its_creator_is_announced(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    body = restaurant_body(
        opening_hours=[{"weekday": 4, "opens": "18:00", "closes": "02:00"}],
        min_party_size=2,
        max_party_size=8,
    )
    answer = await client.post("/v1/restaurants", json=body, headers=owner.headers())

    assert answer.status_code == 201
    restaurant = answer.json()
    assert restaurant["timezone"] == "Europe/Paris"
    assert restaurant["slot_minutes"] == 60
    assert restaurant["opening_hours"] == [{"weekday": 4, "opens": "18:00", "closes": "02:00"}]
    assert (restaurant["min_party_size"], restaurant["max_party_size"]) == (2, 8)
    created = await events.wait_for(
        "reservations.restaurant.created.v1", restaurant_id=restaurant["id"]
    )
    assert created["data"]["created_by"] == str(owner.id)
    assert created["restaurantid"] == restaurant["id"]


async def test_anyone_reads_restaurants(client: httpx.AsyncClient, owner: Staff) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())

    one = await client.get(f"/v1/restaurants/{restaurant['id']}")
    listed = await client.get("/v1/restaurants", params={"limit": 500})

    assert one.status_code == 200
    assert one.json()["name"] == "Le Petit Zinc"
    assert restaurant["id"] in [r["id"] for r in listed.json()["items"]]


async def test_creating_a_restaurant_needs_a_staff_principal(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/restaurants", json=restaurant_body())
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


async def test_an_unknown_restaurant_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"/v1/restaurants/{uuid.uuid4()}")
    assert answer.status_code == 404


async def test_the_owner_changes_the_restaurant(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())

    answer = await client.patch(
        f"/v1/restaurants/{restaurant['id']}",
        json={"slot_minutes": 30, "clean_after_party": True},
        headers=owner.headers(),
    )

    assert answer.status_code == 200
    assert answer.json()["slot_minutes"] == 30
    assert answer.json()["clean_after_party"] is True
    updated = await events.wait_for(
        "reservations.restaurant.updated.v1", restaurant_id=restaurant["id"]
    )
    assert updated["data"]["slot_minutes"] == 30


async def test_only_an_owner_changes_the_restaurant(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())
    host = Staff(owner.key)
    host.memberships[uuid.UUID(restaurant["id"])] = "host"

    as_host = await client.patch(
        f"/v1/restaurants/{restaurant['id']}", json={"name": "X"}, headers=host.headers()
    )
    as_outsider = await client.patch(
        f"/v1/restaurants/{restaurant['id']}", json={"name": "X"}, headers=outsider.headers()
    )
    anonymous = await client.patch(f"/v1/restaurants/{restaurant['id']}", json={"name": "X"})

    assert (as_host.status_code, as_outsider.status_code, anonymous.status_code) == (403, 404, 401)
    assert (await client.get(f"/v1/restaurants/{restaurant['id']}")).json()["name"] != "X"


async def _refused(client: httpx.AsyncClient, owner: Staff, **overrides: object) -> dict:
    before = len((await client.get("/v1/restaurants", params={"limit": 500})).json()["items"])
    answer = await client.post(
        "/v1/restaurants", json=restaurant_body(**overrides), headers=owner.headers()
    )
    after = len((await client.get("/v1/restaurants", params={"limit": 500})).json()["items"])
    assert answer.status_code == 422, answer.text
    assert after == before
    return answer.json()


async def test_an_unknown_time_zone_is_refused(client: httpx.AsyncClient, owner: Staff) -> None:
    problem = await _refused(client, owner, timezone="Europe/Atlantis")
    assert problem["errors"][0]["field"] == "timezone"


async def test_a_phone_not_in_e164_is_refused(client: httpx.AsyncClient, owner: Staff) -> None:
    problem = await _refused(client, owner, phone="01 42 86 82 00")
    assert problem["errors"][0]["field"] == "phone"


async def test_overlapping_opening_hours_are_refused(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    hours = [
        {"weekday": 4, "opens": "18:00", "closes": "02:00"},
        {"weekday": 5, "opens": "01:00", "closes": "03:00"},
    ]
    problem = await _refused(client, owner, opening_hours=hours)
    assert problem["errors"][0]["field"].startswith("opening_hours")


async def test_a_malformed_opening_time_is_refused(client: httpx.AsyncClient, owner: Staff) -> None:
    hours = [{"weekday": 7, "opens": "25:00", "closes": "02:00"}]
    problem = await _refused(client, owner, opening_hours=hours)
    assert {e["field"] for e in problem["errors"]} >= {"opening_hours.0.weekday"}


async def test_party_limits_must_be_in_order(client: httpx.AsyncClient, owner: Staff) -> None:
    problem = await _refused(client, owner, min_party_size=6, max_party_size=4)
    assert problem["errors"][0]["field"] == "max_party_size"
