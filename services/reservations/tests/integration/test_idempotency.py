"""A booking retried with its Idempotency-Key is the same booking, whatever the first answer was.

The gateway replays answers it kept in Redis; these cover what reaches the service when that
answer was lost (a 503 during a commit that went through, Redis without the record).
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import EventLog, Staff, booking_body, evening, open_restaurant, row_count


def book_url(restaurant: dict) -> str:
    return f"/v1/restaurants/{restaurant['id']}/reservations"


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def bookings_of(db: AsyncEngine, restaurant: dict) -> int:
    sql = "SELECT count(*) FROM reservations.reservations WHERE restaurant_id = :rid"
    return await row_count(db, sql, rid=restaurant["id"])


async def test_a_retry_answers_the_same_booking_and_token_and_books_nothing_more(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 2))
    body = booking_body(evening(), 2)
    key = str(uuid.uuid4())

    first = await client.post(book_url(restaurant), json=body, headers=keyed(key))
    again = await client.post(book_url(restaurant), json=body, headers=keyed(key))

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["manage_token"] == first.json()["manage_token"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await bookings_of(db, restaurant) == 1
    # the token of the replayed answer manages the booking
    seen = await client.get(
        f"/v1/reservations/{first.json()['id']}",
        headers={"Authorization": f"Bearer {again.json()['manage_token']}"},
    )
    assert seen.status_code == 200
    await events.wait_for("reservations.reservation.created.v1", reservation_id=first.json()["id"])
    await asyncio.sleep(0.3)
    created = events.of("reservations.reservation.created.v1", restaurant_id=restaurant["id"])
    assert len(created) == 1


async def test_a_retry_of_a_booking_since_cancelled_shows_it_cancelled_and_books_nothing(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    body = booking_body(evening(), 2)
    first = await client.post(book_url(restaurant), json=body, headers=keyed("cancel-me"))
    token = first.json()["manage_token"]
    await client.delete(
        f"/v1/reservations/{first.json()['id']}", headers={"Authorization": f"Bearer {token}"}
    )

    again = await client.post(book_url(restaurant), json=body, headers=keyed("cancel-me"))

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "cancelled"
    assert await bookings_of(db, restaurant) == 1


async def test_the_same_key_with_another_body_is_refused_and_books_nothing(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 4))
    first = await client.post(
        book_url(restaurant), json=booking_body(evening(), 2), headers=keyed("k-body")
    )
    other = await client.post(
        book_url(restaurant), json=booking_body(evening(), 4), headers=keyed("k-body")
    )

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await bookings_of(db, restaurant) == 1


async def test_concurrent_requests_with_one_key_make_one_booking(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 2, 2, 2))
    body = booking_body(evening(), 2)

    answers = await asyncio.gather(
        *(client.post(book_url(restaurant), json=body, headers=keyed("together")) for _ in range(8))
    )

    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["id"] for a in answers}) == 1
    assert len({a.json()["manage_token"] for a in answers}) == 1
    assert await bookings_of(db, restaurant) == 1


async def test_a_refused_booking_keeps_no_key_and_its_retry_is_judged_afresh(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    seven = evening()
    taken = await client.post(book_url(restaurant), json=booking_body(seven, 2))
    body = booking_body(seven, 2, name="Second")

    refused = await client.post(book_url(restaurant), json=body, headers=keyed("after-cancel"))
    await client.delete(
        f"/v1/reservations/{taken.json()['id']}",
        headers={"Authorization": f"Bearer {taken.json()['manage_token']}"},
    )
    retried = await client.post(book_url(restaurant), json=body, headers=keyed("after-cancel"))

    assert refused.status_code == 409
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


async def test_keys_are_per_restaurant_and_expire_after_a_day(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    one = await open_restaurant(client, owner, capacities=(2,))
    two = await open_restaurant(client, owner, capacities=(2,))
    body = booking_body(evening(), 2)

    a = await client.post(book_url(one), json=body, headers=keyed("shared-key"))
    b = await client.post(book_url(two), json=body, headers=keyed("shared-key"))
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]

    async with db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE reservations.request_keys SET created_at = now() - interval '25 hours'"
                " WHERE resource_id = :id"
            ),
            {"id": a.json()["id"]},
        )
    later = await client.post(
        book_url(one), json=booking_body(evening(hour=20), 2), headers=keyed("shared-key")
    )
    assert later.status_code == 201
    assert later.json()["id"] != a.json()["id"]


async def test_an_overlong_key_is_refused(client: httpx.AsyncClient, owner: Staff) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    answer = await client.post(
        book_url(restaurant), json=booking_body(evening(), 2), headers=keyed("k" * 256)
    )
    assert answer.status_code == 422
