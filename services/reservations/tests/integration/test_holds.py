"""The waitlist's events move the floor: published to maitred.events, seen through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from maitred_contracts import (
    PartyCalled,
    PartyCheckedIn,
    PartyCompleted,
    PartyLeft,
    PartyNoShow,
    PartySeated,
)
from maitred_messaging.testing import wait_until

from .conftest import EventLog, Staff, booking_body, open_restaurant

ALL_DAY = [
    period
    for day in range(7)
    for period in (
        {"weekday": day, "opens": "00:00", "closes": "12:00"},
        {"weekday": day, "opens": "12:00", "closes": "00:00"},
    )
]

Publish = Callable[[Any], Any]


def now() -> datetime:
    return datetime.now(UTC)


def called(
    restaurant: dict, table: dict, party_id: uuid.UUID, at: datetime | None = None
) -> PartyCalled:
    at = at or now()
    return PartyCalled(
        restaurant_id=restaurant["id"],
        party_id=party_id,
        table_id=table["id"],
        party_size=2,
        called_at=at,
        expires_at=at + timedelta(minutes=10),
    )


async def table_state(
    client: httpx.AsyncClient, owner: Staff, restaurant: dict, table: dict
) -> dict:
    floor = await client.get(f"/v1/restaurants/{restaurant['id']}/tables", headers=owner.headers())
    return next(t for t in floor.json()["items"] if t["id"] == table["id"])


async def becomes(
    client: httpx.AsyncClient, owner: Staff, restaurant: dict, table: dict, status: str
) -> dict:
    async def reached() -> bool:
        return (await table_state(client, owner, restaurant, table))["status"] == status

    await wait_until(reached, timeout=15)
    return await table_state(client, owner, restaurant, table)


async def test_a_called_party_gets_the_free_table_held(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, publish: Publish
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    party = uuid.uuid4()

    await publish(called(restaurant, table, party))

    held = await becomes(client, owner, restaurant, table, "held")
    assert held["party_id"] == str(party)
    await events.wait_for("reservations.table.held.v1", table_id=table["id"], party_id=party)
    changed = await events.wait_for(
        "reservations.table.status_changed.v1", table_id=table["id"], status="held"
    )
    assert (changed["data"]["previous_status"], changed["data"]["party_id"]) == (
        "available",
        str(party),
    )


async def test_a_call_for_a_table_no_longer_free_is_rejected(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, publish: Publish
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    await client.patch(
        f"/v1/restaurants/{restaurant['id']}/tables/{table['id']}",
        json={"status": "occupied"},
        headers=owner.headers(),
    )
    party = uuid.uuid4()

    await publish(called(restaurant, table, party))

    rejected = await events.wait_for("reservations.table.hold_rejected.v1", party_id=party)
    assert rejected["data"]["reason"] == "not_available"
    assert (await table_state(client, owner, restaurant, table))["status"] == "occupied"


async def test_a_table_booked_within_the_next_slot_is_not_given_to_a_walk_in(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, publish: Publish
) -> None:
    restaurant = await open_restaurant(
        client, owner, capacities=(4,), timezone="UTC", opening_hours=ALL_DAY
    )
    table = restaurant["tables"][0]
    next_hour = now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    booked = await client.post(
        f"/v1/restaurants/{restaurant['id']}/reservations", json=booking_body(next_hour)
    )
    assert booked.status_code == 201, booked.text
    party = uuid.uuid4()

    await publish(called(restaurant, table, party))

    rejected = await events.wait_for("reservations.table.hold_rejected.v1", party_id=party)
    assert rejected["data"]["reason"] == "booked_soon"
    assert (await table_state(client, owner, restaurant, table))["status"] == "available"


async def test_a_call_to_an_unknown_table_is_rejected(
    client: httpx.AsyncClient, owner: Staff, events: EventLog, publish: Publish
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    party = uuid.uuid4()

    await publish(called(restaurant, {"id": str(uuid.uuid4())}, party))

    rejected = await events.wait_for("reservations.table.hold_rejected.v1", party_id=party)
    assert rejected["data"]["reason"] == "unknown_table"


async def test_check_in_occupies_and_completion_frees_the_table(
    client: httpx.AsyncClient, owner: Staff, publish: Publish
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    party = uuid.uuid4()
    rid = restaurant["id"]

    await publish(called(restaurant, table, party))
    await becomes(client, owner, restaurant, table, "held")
    await publish(
        PartyCheckedIn(
            restaurant_id=rid,
            party_id=party,
            table_id=table["id"],
            checked_in_at=now(),
            expected_end_at=now() + timedelta(hours=1),
        )
    )
    occupied = await becomes(client, owner, restaurant, table, "occupied")
    await publish(
        PartyCompleted(restaurant_id=rid, party_id=party, table_id=table["id"], completed_at=now())
    )
    freed = await becomes(client, owner, restaurant, table, "available")

    assert occupied["party_id"] == str(party)
    assert freed["party_id"] is None


async def test_a_restaurant_that_cleans_after_each_party_gets_the_table_to_clean(
    client: httpx.AsyncClient, owner: Staff, publish: Publish
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,), clean_after_party=True)
    table = restaurant["tables"][0]
    party = uuid.uuid4()
    rid = restaurant["id"]

    await publish(
        PartySeated(restaurant_id=rid, party_id=party, table_id=table["id"], seated_at=now())
    )
    await becomes(client, owner, restaurant, table, "occupied")
    await publish(
        PartyCompleted(restaurant_id=rid, party_id=party, table_id=table["id"], completed_at=now())
    )

    await becomes(client, owner, restaurant, table, "cleaning")


async def test_a_no_show_or_a_party_leaving_releases_its_hold(
    client: httpx.AsyncClient, owner: Staff, publish: Publish, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4, 2))
    four, two = restaurant["tables"]
    rid = restaurant["id"]
    late, gone = uuid.uuid4(), uuid.uuid4()

    await publish(called(restaurant, four, late))
    await publish(called(restaurant, two, gone))
    await becomes(client, owner, restaurant, four, "held")
    await becomes(client, owner, restaurant, two, "held")
    await publish(
        PartyNoShow(restaurant_id=rid, party_id=late, table_id=four["id"], requeued=False)
    )
    await publish(PartyLeft(restaurant_id=rid, party_id=gone, by="diner"))

    await becomes(client, owner, restaurant, four, "available")
    await becomes(client, owner, restaurant, two, "available")
    released = await events.wait_for(
        "reservations.table.status_changed.v1", table_id=four["id"], status="available"
    )
    assert released["data"]["reason"] == "party_no_show"


async def test_events_about_another_party_leave_the_table_alone(
    client: httpx.AsyncClient, owner: Staff, publish: Publish, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    rid = restaurant["id"]
    holder, stranger = uuid.uuid4(), uuid.uuid4()
    await publish(called(restaurant, table, holder))
    await becomes(client, owner, restaurant, table, "held")

    await publish(PartyLeft(restaurant_id=rid, party_id=stranger, table_id=table["id"], by="staff"))
    await publish(
        PartyCompleted(
            restaurant_id=rid, party_id=stranger, table_id=table["id"], completed_at=now()
        )
    )
    # a later call for a third party is processed after those two (same restaurant, same lane)
    marker = uuid.uuid4()
    await publish(called(restaurant, table, marker))
    await events.wait_for("reservations.table.hold_rejected.v1", party_id=marker)

    state = await table_state(client, owner, restaurant, table)
    assert (state["status"], state["party_id"]) == ("held", str(holder))


async def test_a_call_that_arrives_after_the_party_left_holds_nothing(
    client: httpx.AsyncClient, owner: Staff, publish: Publish, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    rid = restaurant["id"]
    party = uuid.uuid4()
    called_at = now() - timedelta(seconds=30)

    await publish(PartyLeft(restaurant_id=rid, party_id=party, table_id=table["id"], by="diner"))
    await publish(called(restaurant, table, party, at=called_at))
    marker = uuid.uuid4()
    await publish(called(restaurant, table, marker))
    await events.wait_for("reservations.table.held.v1", party_id=marker)

    assert events.of("reservations.table.held.v1", party_id=party) == []
    assert events.of("reservations.table.hold_rejected.v1", party_id=party) == []
    assert (await table_state(client, owner, restaurant, table))["party_id"] == str(marker)


async def test_a_redelivered_call_changes_nothing_more(
    client: httpx.AsyncClient, owner: Staff, publish: Publish, events: EventLog
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=(4,))
    table = restaurant["tables"][0]
    party = uuid.uuid4()
    call = called(restaurant, table, party)

    await publish(call)
    await publish(call)  # a new envelope, same call: the table is already held for the party
    await becomes(client, owner, restaurant, table, "held")
    marker = uuid.uuid4()
    await publish(called(restaurant, table, marker))
    await events.wait_for("reservations.table.hold_rejected.v1", party_id=marker)

    assert len(events.of("reservations.table.held.v1", party_id=party)) == 1
    assert events.of("reservations.table.hold_rejected.v1", party_id=party) == []
