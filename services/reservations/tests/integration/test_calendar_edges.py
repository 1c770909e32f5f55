"""Dates at the calendar's edges and beyond the booking horizon: clear answers, never a 500."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from reservations.domain.slots import BOOKING_HORIZON_DAYS

from .conftest import Staff, booking_body, evening, open_restaurant, row_count

FAR_STARTS = [
    "9999-12-31T23:00:00-12:00",  # past the last instant a datetime holds, once in UTC
    "9999-12-31T12:00:00+14:00",
    "0001-01-01T12:00:00+14:00",  # before the first one
]
EDGE_DAYS = ["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02"]


async def test_a_start_far_in_the_future_or_past_is_refused_with_its_field(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    url = f"/v1/restaurants/{restaurant['id']}/reservations"
    beyond = evening(days_ahead=BOOKING_HORIZON_DAYS + 7).isoformat()
    for starts_at in [*FAR_STARTS, beyond]:
        body = {**booking_body(evening()), "starts_at": starts_at}
        answer = await client.post(url, json=body)
        assert answer.status_code == 422, (starts_at, answer.text)
        assert answer.json()["errors"][0]["field"] == "starts_at", starts_at
    sql = "SELECT count(*) FROM reservations.reservations WHERE restaurant_id = :rid"
    assert await row_count(db, sql, rid=restaurant["id"]) == 0


async def test_a_booking_inside_the_horizon_is_still_taken(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    url = f"/v1/restaurants/{restaurant['id']}/reservations"
    inside = evening(days_ahead=BOOKING_HORIZON_DAYS - 7)
    answer = await client.post(url, json=booking_body(inside))
    assert answer.status_code == 201, answer.text


async def test_days_at_the_calendar_edges_list_no_slot_and_no_booking(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    rid = restaurant["id"]
    beyond = evening(days_ahead=BOOKING_HORIZON_DAYS + 7).date().isoformat()
    for day in ["9999-12-30", "0001-01-02", beyond]:
        slots = await client.get(
            f"/v1/restaurants/{rid}/slots", params={"date": day, "party_size": 2}
        )
        assert slots.status_code == 200, (day, slots.text)
        assert slots.json()["items"] == [], day
    for day in ["9999-12-31", "0001-01-01"]:  # a day's slots may start the evening before
        slots = await client.get(
            f"/v1/restaurants/{rid}/slots", params={"date": day, "party_size": 2}
        )
        assert slots.status_code == 422, (day, slots.text)
        assert slots.json()["errors"][0]["field"] == "date"
    for day in EDGE_DAYS:
        listed = await client.get(
            f"/v1/restaurants/{rid}/reservations", params={"date": day}, headers=owner.headers()
        )
        assert listed.status_code == 200, (day, listed.text)
        assert listed.json()["items"] == [], day
