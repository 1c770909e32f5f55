"""The floor over HTTP: tables added, listed, changed, removed; status moves and their events."""

from __future__ import annotations

import uuid

import httpx

from .conftest import EventLog, Staff, booking_body, evening, open_restaurant


def tables_url(restaurant: dict) -> str:
    return f"/v1/restaurants/{restaurant['id']}/tables"


async def floor_of(client: httpx.AsyncClient, restaurant: dict, staff: Staff) -> list[dict]:
    answer = await client.get(tables_url(restaurant), headers=staff.headers())
    assert answer.status_code == 200
    return answer.json()["items"]


async def test_the_owner_adds_a_table_and_it_is_announced(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())

    answer = await client.post(
        tables_url(restaurant),
        json={"label": "Bar 1", "capacity": 2, "kind": "counter", "section": "bar", "x": 1, "y": 2},
        headers=owner.headers(),
    )

    assert answer.status_code == 201
    table = answer.json()
    assert table["status"] == "available"
    assert {k: table[k] for k in ("label", "capacity", "kind", "section", "x", "y")} == {
        "label": "Bar 1",
        "capacity": 2,
        "kind": "counter",
        "section": "bar",
        "x": 1.0,
        "y": 2.0,
    }
    await events.wait_for("reservations.table.created.v1", table_id=table["id"], status="available")
    assert await floor_of(client, restaurant, owner) == [
        table | {"party_id": None, "reservation_id": None}
    ]


async def test_a_duplicate_label_is_a_conflict(client: httpx.AsyncClient, owner: Staff) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    label = restaurant["tables"][0]["label"]

    answer = await client.post(
        tables_url(restaurant),
        json={"label": label.lower(), "capacity": 4},
        headers=owner.headers(),
    )

    assert answer.status_code == 409
    assert len(await floor_of(client, restaurant, owner)) == 1


async def test_a_batch_is_added_whole_or_not_at_all(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())
    batch = {
        "tables": [
            {"label": "A", "capacity": 2},
            {"label": "B", "capacity": 4},
            {"label": "A", "capacity": 6},
        ]
    }

    refused = await client.post(
        f"{tables_url(restaurant)}/batch", json=batch, headers=owner.headers()
    )

    assert refused.status_code == 409
    assert await floor_of(client, restaurant, owner) == []


async def test_only_the_restaurants_staff_see_and_change_its_floor(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    table = restaurant["tables"][0]

    listed = await client.get(tables_url(restaurant), headers=outsider.headers())
    changed = await client.patch(
        f"{tables_url(restaurant)}/{table['id']}",
        json={"status": "cleaning"},
        headers=outsider.headers(),
    )
    added = await client.post(
        tables_url(restaurant), json={"label": "Z", "capacity": 2}, headers=outsider.headers()
    )
    anonymous = await client.get(tables_url(restaurant))

    # Another restaurant's staff are told there is no such restaurant.
    assert (listed.status_code, changed.status_code, added.status_code) == (404, 404, 404)
    assert anonymous.status_code == 401
    assert [t["status"] for t in await floor_of(client, restaurant, owner)] == ["available"]


async def test_staff_move_a_table_and_every_move_is_announced(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    url = f"{tables_url(restaurant)}/{table['id']}"

    for status in ("occupied", "cleaning", "available", "out_of_service"):
        answer = await client.patch(url, json={"status": status}, headers=owner.headers())
        assert answer.status_code == 200
        assert answer.json()["status"] == status

    changed = await events.wait_for(
        "reservations.table.status_changed.v1", table_id=table["id"], status="out_of_service"
    )
    assert changed["data"]["previous_status"] == "available"
    assert changed["data"]["capacity"] == 4
    assert changed["data"]["kind"] == "table"
    moves = events.of("reservations.table.status_changed.v1", table_id=table["id"])
    assert [m["data"]["status"] for m in moves] == [
        "occupied",
        "cleaning",
        "available",
        "out_of_service",
    ]


async def test_an_illegal_status_move_is_a_conflict(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    url = f"{tables_url(restaurant)}/{restaurant['tables'][0]['id']}"
    await client.patch(url, json={"status": "out_of_service"}, headers=owner.headers())

    to_occupied = await client.patch(url, json={"status": "occupied"}, headers=owner.headers())
    to_held = await client.patch(url, json={"status": "held"}, headers=owner.headers())

    assert (to_occupied.status_code, to_held.status_code) == (409, 409)
    assert [t["status"] for t in await floor_of(client, restaurant, owner)] == ["out_of_service"]


async def test_staff_change_a_tables_layout(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]

    answer = await client.patch(
        f"{tables_url(restaurant)}/{table['id']}",
        json={"label": "Window", "capacity": 6, "section": "terrace", "x": 3.5},
        headers=owner.headers(),
    )

    assert answer.status_code == 200
    assert (answer.json()["label"], answer.json()["capacity"], answer.json()["x"]) == (
        "Window",
        6,
        3.5,
    )
    await events.wait_for("reservations.table.updated.v1", table_id=table["id"], label="Window")


async def test_an_unknown_table_is_404(client: httpx.AsyncClient, owner: Staff) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    other = await open_restaurant(client, owner, capacities=(4,))
    foreign = other["tables"][0]["id"]

    for table_id in (uuid.uuid4(), foreign):
        url = f"{tables_url(restaurant)}/{table_id}"
        assert (
            await client.patch(url, json={"status": "cleaning"}, headers=owner.headers())
        ).status_code == 404
        assert (await client.delete(url, headers=owner.headers())).status_code == 404
    assert (
        await client.get(f"/v1/restaurants/{uuid.uuid4()}/tables", headers=owner.headers())
    ).status_code == 404


async def test_the_owner_removes_a_table(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]

    answer = await client.delete(f"{tables_url(restaurant)}/{table['id']}", headers=owner.headers())

    assert answer.status_code == 204
    assert await floor_of(client, restaurant, owner) == []
    await events.wait_for("reservations.table.removed.v1", table_id=table["id"])
    again = await client.post(
        tables_url(restaurant),
        json={"label": table["label"], "capacity": 2},
        headers=owner.headers(),
    )
    assert again.status_code == 201  # the label is free again


async def test_a_table_with_upcoming_bookings_cannot_be_removed(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    booked = await client.post(
        f"/v1/restaurants/{restaurant['id']}/reservations", json=booking_body(evening(), 3)
    )
    assert booked.status_code == 201

    answer = await client.delete(f"{tables_url(restaurant)}/{table['id']}", headers=owner.headers())
    shrink = await client.patch(
        f"{tables_url(restaurant)}/{table['id']}", json={"capacity": 2}, headers=owner.headers()
    )

    assert answer.status_code == 409
    assert shrink.status_code == 409
    assert [(t["id"], t["capacity"]) for t in await floor_of(client, restaurant, owner)] == [
        (table["id"], 4)
    ]
