"""Booking over HTTP: slots, book, read, cancel, staff moves, lookup; bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from maitred_platform.credentials import unseal
from reservations.config import Settings

from .conftest import (
    EventLog,
    Staff,
    booking_body,
    evening,
    open_restaurant,
    row_count,
)


def book_url(restaurant: dict) -> str:
    return f"/v1/restaurants/{restaurant['id']}/reservations"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def bookings_of(db: AsyncEngine, restaurant: dict) -> int:
    sql = "SELECT count(*) FROM reservations.reservations WHERE restaurant_id = :rid"
    return await row_count(db, sql, rid=restaurant["id"])


async def test_slots_list_every_fitting_table_and_whether_it_is_free(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 4, 6))
    seven = evening()
    await client.post(book_url(restaurant), json=booking_body(seven, 3))

    answer = await client.get(
        f"/v1/restaurants/{restaurant['id']}/slots",
        params={"date": seven.date().isoformat(), "party_size": 3},
    )
    free = await client.get(
        f"/v1/restaurants/{restaurant['id']}/slots",
        params={"date": seven.date().isoformat(), "party_size": 3, "available": "true"},
    )

    assert answer.status_code == 200
    items = answer.json()["items"]
    assert {i["capacity"] for i in items} == {4, 6}
    # 00:00 and 01:00 (the night before) then 12:00 to 01:00: 12 + 2 slots, 2 tables each
    assert len(items) == 14 * 2
    taken = [i for i in items if not i["available"]]
    assert [(datetime.fromisoformat(i["starts_at"]), i["capacity"]) for i in taken] == [(seven, 4)]
    assert len(free.json()["items"]) == len(items) - 1
    assert {"starts_at", "ends_at", "table_id", "table_label", "capacity", "available"} <= set(
        items[0]
    )


async def test_slots_refuse_party_sizes_that_cannot_be_seated(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 4), max_party_size=3)
    day = evening().date().isoformat()

    for size in (0, -2, 4, 5):
        answer = await client.get(
            f"/v1/restaurants/{restaurant['id']}/slots", params={"date": day, "party_size": size}
        )
        assert answer.status_code == 422, size
        assert answer.json()["errors"][0]["field"] == "party_size"
    unknown = await client.get(
        f"/v1/restaurants/{uuid.uuid4()}/slots", params={"date": day, "party_size": 2}
    )
    assert unknown.status_code == 404


async def test_a_booking_takes_the_smallest_free_table_and_returns_its_token_once(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, settings: Settings
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(6, 2, 4))
    seven = evening()

    first = await client.post(book_url(restaurant), json=booking_body(seven, 2))
    second = await client.post(book_url(restaurant), json=booking_body(seven, 2))

    assert first.status_code == 201, first.text
    booking = first.json()
    labels = {t["id"]: t["capacity"] for t in restaurant["tables"]}
    assert labels[booking["table_id"]] == 2
    assert labels[second.json()["table_id"]] == 4
    assert booking["status"] == "booked"
    assert booking["restaurant_id"] == restaurant["id"]
    assert datetime.fromisoformat(booking["starts_at"]) == seven
    assert datetime.fromisoformat(booking["ends_at"]) == seven + timedelta(hours=1)
    assert booking["manage_token"].startswith("bk_")
    created = await events.wait_for(
        "reservations.reservation.created.v1", reservation_id=booking["id"]
    )
    sealed = created["data"]["manage_token_sealed"]
    assert unseal(sealed, settings.internal_key) == booking["manage_token"]
    assert created["data"]["phone"] == "+33612345678"
    seen = await client.get(
        f"/v1/reservations/{booking['id']}", headers=bearer(booking["manage_token"])
    )
    assert "manage_token" not in seen.json()


async def test_a_table_asked_for_that_is_taken_is_a_conflict(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4, 4))
    table_id = restaurant["tables"][0]["id"]
    seven = evening()

    first = await client.post(book_url(restaurant), json=booking_body(seven, 2, table_id=table_id))
    second = await client.post(book_url(restaurant), json=booking_body(seven, 2, table_id=table_id))

    assert (first.status_code, second.status_code) == (201, 409)
    assert second.headers["content-type"] == "application/problem+json"
    assert await bookings_of(db, restaurant) == 1


async def test_when_every_fitting_table_is_booked_the_answer_is_a_conflict(
    client: httpx.AsyncClient, owner: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 6))
    seven = evening()
    assert (await client.post(book_url(restaurant), json=booking_body(seven, 5))).status_code == 201

    answer = await client.post(book_url(restaurant), json=booking_body(seven, 5))

    assert answer.status_code == 409


async def _refused(
    client: httpx.AsyncClient, db: AsyncEngine, restaurant: dict, body: dict, status: int = 422
) -> dict:
    before = await bookings_of(db, restaurant)
    answer = await client.post(book_url(restaurant), json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert await bookings_of(db, restaurant) == before
    return answer.json()


async def test_party_sizes_that_cannot_be_seated_are_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 4), max_party_size=3)
    for size in (0, -1, 4, 5):  # zero, negative, above the limit, above the largest table
        problem = await _refused(client, db, restaurant, booking_body(evening(), size))
        assert problem["errors"][0]["field"] == "party_size", size


async def test_a_start_off_a_slot_boundary_is_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    problem = await _refused(
        client, db, restaurant, booking_body(evening() + timedelta(minutes=30))
    )
    assert problem["errors"][0]["field"] == "starts_at"
    assert "boundary" in problem["detail"]


async def test_a_start_outside_opening_hours_is_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    problem = await _refused(client, db, restaurant, booking_body(evening(hour=9)))
    assert problem["errors"][0]["field"] == "starts_at"
    assert "outside" in problem["detail"]


async def test_a_start_in_the_past_is_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    problem = await _refused(client, db, restaurant, booking_body(evening(days_ahead=-2)))
    assert "past" in problem["detail"]


async def test_a_booking_on_a_closed_day_is_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    seven = evening()
    only_next_day = [{"weekday": (seven.weekday() + 1) % 7, "opens": "18:00", "closes": "22:00"}]
    restaurant = await open_restaurant(client, owner, opening_hours=only_next_day)
    problem = await _refused(client, db, restaurant, booking_body(seven))
    assert "closed" in problem["detail"]


async def test_a_malformed_phone_is_refused(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    problem = await _refused(client, db, restaurant, booking_body(evening(), phone="0612345678"))
    assert problem["errors"][0]["field"] == "phone"


async def test_an_unknown_restaurant_or_table_is_404(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner)
    unknown = await client.post(
        f"/v1/restaurants/{uuid.uuid4()}/reservations", json=booking_body(evening())
    )
    assert unknown.status_code == 404
    await _refused(
        client, db, restaurant, booking_body(evening(), table_id=str(uuid.uuid4())), status=404
    )


async def test_the_token_holder_and_the_restaurants_staff_read_a_booking(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    booking = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()
    url = f"/v1/reservations/{booking['id']}"

    by_token = await client.get(url, headers=bearer(booking["manage_token"]))
    by_staff = await client.get(url, headers=owner.headers())
    by_outsider = await client.get(url, headers=outsider.headers())
    by_wrong_token = await client.get(url, headers=bearer("bk_not-the-token"))
    anonymous = await client.get(url)

    assert (by_token.status_code, by_staff.status_code) == (200, 200)
    assert by_token.json()["id"] == booking["id"]
    assert (by_outsider.status_code, by_wrong_token.status_code, anonymous.status_code) == (
        404,
        404,
        401,
    )
    assert (
        await client.get(f"/v1/reservations/{uuid.uuid4()}", headers=owner.headers())
    ).status_code == 404


async def test_a_diner_cancels_once_and_the_slot_frees(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2,))
    seven = evening()
    booking = (await client.post(book_url(restaurant), json=booking_body(seven))).json()
    url = f"/v1/reservations/{booking['id']}"

    cancelled = await client.delete(url, headers=bearer(booking["manage_token"]))
    again = await client.delete(url, headers=bearer(booking["manage_token"]))

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert (await client.get(url, headers=owner.headers())).json()["status"] == "cancelled"
    event = await events.wait_for(
        "reservations.reservation.cancelled.v1", reservation_id=booking["id"]
    )
    assert event["data"]["cancelled_by"] == "diner"
    rebooked = await client.post(book_url(restaurant), json=booking_body(seven))
    assert rebooked.status_code == 201


async def test_staff_cancel_and_strangers_cannot(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    booking = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()
    url = f"/v1/reservations/{booking['id']}"

    assert (await client.delete(url, headers=outsider.headers())).status_code == 404
    assert (await client.delete(url)).status_code == 401
    assert (await client.delete(url, headers=owner.headers())).status_code == 200


async def test_staff_list_the_bookings_of_a_day(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    seven, eight = evening(hour=19), evening(hour=20)
    for starts_at in (eight, seven, evening(days_ahead=8)):
        assert (
            await client.post(book_url(restaurant), json=booking_body(starts_at))
        ).status_code == 201

    answer = await client.get(
        book_url(restaurant), params={"date": seven.date().isoformat()}, headers=owner.headers()
    )
    refused = await client.get(
        book_url(restaurant), params={"date": seven.date().isoformat()}, headers=outsider.headers()
    )

    assert answer.status_code == 200
    starts = [datetime.fromisoformat(b["starts_at"]) for b in answer.json()["items"]]
    assert starts == [seven, eight]
    assert refused.status_code == 404


async def test_seating_a_booking_occupies_its_table_and_completing_frees_it(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    booking = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()
    url = f"/v1/reservations/{booking['id']}"

    early_no_show = await client.post(f"{url}/no-show", headers=owner.headers())
    seated = await client.post(f"{url}/seat", headers=owner.headers())
    floor = (
        await client.get(f"/v1/restaurants/{restaurant['id']}/tables", headers=owner.headers())
    ).json()
    seated_twice = await client.post(f"{url}/seat", headers=owner.headers())
    completed = await client.post(f"{url}/complete", headers=owner.headers())

    assert early_no_show.status_code == 409
    assert seated.status_code == 200 and seated.json()["status"] == "seated"
    assert (floor["items"][0]["status"], floor["items"][0]["reservation_id"]) == (
        "occupied",
        booking["id"],
    )
    assert seated_twice.status_code == 409
    assert completed.json()["status"] == "completed"
    await events.wait_for("reservations.reservation.seated.v1", reservation_id=booking["id"])
    await events.wait_for("reservations.reservation.completed.v1", reservation_id=booking["id"])
    freed = await events.wait_for(
        "reservations.table.status_changed.v1", table_id=booking["table_id"], status="available"
    )
    assert freed["data"]["previous_status"] == "occupied"


async def test_only_the_restaurants_staff_seat_a_booking(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    booking = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()

    answer = await client.post(f"/v1/reservations/{booking['id']}/seat", headers=outsider.headers())
    by_token = await client.post(
        f"/v1/reservations/{booking['id']}/seat", headers=bearer(booking["manage_token"])
    )

    assert (answer.status_code, by_token.status_code) == (404, 401)


async def test_a_lookup_sends_fresh_links_and_lists_nothing(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, settings: Settings
) -> None:
    restaurant = await open_restaurant(client, owner)
    phone = "+33698765432"
    booking = (
        await client.post(book_url(restaurant), json=booking_body(evening(), phone=phone))
    ).json()

    answer = await client.post(
        "/v1/reservations/lookup", json={"restaurant_id": restaurant["id"], "phone": phone}
    )

    assert answer.status_code == 202
    assert answer.content == b""
    event = await events.wait_for(
        "reservations.reservation.lookup_requested.v1", restaurant_id=restaurant["id"]
    )
    assert event["data"]["phone"] == phone
    [found] = event["data"]["reservations"]
    assert found["reservation_id"] == booking["id"]
    fresh = unseal(found["manage_token_sealed"], settings.internal_key)
    assert fresh and fresh != booking["manage_token"]
    url = f"/v1/reservations/{booking['id']}"
    # Both the first token and the fresh one open the booking.
    assert (await client.get(url, headers=bearer(fresh))).status_code == 200
    assert (await client.get(url, headers=bearer(booking["manage_token"]))).status_code == 200


async def test_a_lookup_for_an_unknown_phone_or_restaurant_answers_the_same(
    client: httpx.AsyncClient, owner: Staff, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner)

    unknown_phone = await client.post(
        "/v1/reservations/lookup", json={"restaurant_id": restaurant["id"], "phone": "+33611111111"}
    )
    unknown_restaurant = await client.post(
        "/v1/reservations/lookup",
        json={"restaurant_id": str(uuid.uuid4()), "phone": "+33611111111"},
    )
    bad_phone = await client.post(
        "/v1/reservations/lookup", json={"restaurant_id": restaurant["id"], "phone": "12"}
    )

    assert (unknown_phone.status_code, unknown_restaurant.status_code) == (202, 202)
    assert bad_phone.status_code == 422
    # a booking made afterwards is announced, and no lookup event came before it
    later = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()
    await events.wait_for("reservations.reservation.created.v1", reservation_id=later["id"])
    assert (
        events.of("reservations.reservation.lookup_requested.v1", restaurant_id=restaurant["id"])
        == []
    )


async def test_the_gateway_can_tell_which_booking_a_token_opens(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner)
    booking = (await client.post(book_url(restaurant), json=booking_body(evening()))).json()
    url = "/internal/v1/manage-tokens/verify"

    known = await client.post(
        url, json={"token": booking["manage_token"]}, headers=outsider.headers()
    )
    unknown = await client.post(url, json={"token": "bk_nope"}, headers=outsider.headers())
    unsigned = await client.post(url, json={"token": booking["manage_token"]})

    assert known.status_code == 200
    assert known.json() == {
        "reservation_id": booking["id"],
        "restaurant_id": restaurant["id"],
        "status": "booked",
    }
    assert unknown.status_code == 404
    assert unsigned.status_code == 401
