"""Bookings racing for tables: the exclusion constraint lets exactly one win each table-slot."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Staff, booking_body, evening, open_restaurant, row_count


async def test_fifty_requests_for_one_table_and_slot_give_one_booking(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4, 4))
    table_id = restaurant["tables"][0]["id"]
    body = booking_body(evening(), 2, table_id=table_id)
    url = f"/v1/restaurants/{restaurant['id']}/reservations"

    answers = await asyncio.gather(*(client.post(url, json=body) for _ in range(50)))

    assert Counter(a.status_code for a in answers) == {201: 1, 409: 49}
    sql = "SELECT count(*) FROM reservations.reservations WHERE table_id = :table_id"
    assert await row_count(db, sql, table_id=table_id) == 1


async def test_two_hundred_requests_across_the_floor_never_overlap_on_a_table(
    client: httpx.AsyncClient, owner: Staff, db: AsyncEngine
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(2, 2, 4, 4, 4, 6, 6, 8))
    url = f"/v1/restaurants/{restaurant['id']}/reservations"
    slots = [evening(hour=18) + timedelta(hours=h) for h in range(4)]
    # 50 requests per slot for 8 tables: each slot fills up, the rest are turned away.
    bodies = [booking_body(slots[i % 4], 1 + i % 2) for i in range(200)]

    answers = await asyncio.gather(*(client.post(url, json=b) for b in bodies))

    assert Counter(a.status_code for a in answers) == {201: 32, 409: 168}
    overlapping = """
        SELECT count(*) FROM reservations.reservations a
        JOIN reservations.reservations b
          ON a.table_id = b.table_id AND a.id < b.id
         AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
        WHERE a.restaurant_id = :rid AND a.status <> 'cancelled' AND b.status <> 'cancelled'
    """
    assert await row_count(db, overlapping, rid=restaurant["id"]) == 0
    per_table_slot = """
        SELECT count(DISTINCT (table_id, starts_at)) FROM reservations.reservations
        WHERE restaurant_id = :rid
    """
    assert await row_count(db, per_table_slot, rid=restaurant["id"]) == 32
