"""An evening at one restaurant, told through the public API, the realtime channel and the
events an integrator sees — once with one instance of every service, once with two."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import Api, EventTap, Realtime

from .conftest import TIME_SCALE

pytestmark = pytest.mark.slow

TABLES = [
    {"label": f"T{n}", "capacity": cap, "kind": "table", "x": n, "y": 1}
    for n, cap in enumerate([2, 2, 2, 4, 4, 4, 6, 6, 8], start=1)
] + [{"label": "C1", "capacity": 2, "kind": "counter", "x": 1, "y": 3}]
SIZES = [2, 4, 1, 3, 6, 2, 5, 2, 8, 4]
PREFERENCES = [
    "table",
    "any",
    "counter",
    "table",
    "any",
    "table",
    "table",
    "counter",
    "any",
    "table",
]


def fits(party: dict[str, Any], table: dict[str, Any]) -> bool:
    wanted = party["preference"]
    return party["party_size"] <= table["capacity"] and wanted in ("any", table["kind"])


@pytest.fixture(scope="module")
async def tap(journey_stack):
    async with EventTap.listening(journey_stack.amqp_url) as listening:
        yield listening


@pytest.fixture(scope="module")
async def evening(journey_stack, tap) -> dict[str, Any]:
    """An owner registers, opens a restaurant with ten tables and adds a host."""
    import httpx

    async with httpx.AsyncClient(base_url=journey_stack.url("gateway"), timeout=20) as http:
        api = Api(http)
        _, owner = await api.staff("owner")
        host_email, host = await api.staff("host")
        rid = await api.restaurant(owner, TABLES, max_party_size=8)
        added = await http.post(
            f"/v1/restaurants/{rid}/members",
            json={"email": host_email, "role": "host"},
            headers=owner,
        )
        assert added.status_code == 201, added.text
        settings = await http.patch(
            f"/v1/restaurants/{rid}/waitlist/settings",
            json={"mode": "auto", "strategy": "fifo", "checkin_timeout_seconds": 300},
            headers=owner,
        )
        assert settings.status_code == 200, settings.text
        tables = (await http.get(f"/v1/restaurants/{rid}/tables", headers=host)).json()["items"]
        assert len(tables) == 10
    return {"rid": rid, "owner": owner, "host": host, "tables": tables, "parties": {}}


async def test_forty_parties_join_and_follow_their_place_live(journey_stack, client, evening, tap):
    rid, host = evening["rid"], evening["host"]
    # A full house: every table is taken before the first walk-in arrives.
    for table in evening["tables"]:
        r = await client.patch(
            f"/v1/restaurants/{rid}/tables/{table['id']}", json={"status": "occupied"}, headers=host
        )
        assert r.status_code == 200, r.text
    await tap.wait_for("reservations.table.status_changed.v1", count=10, restaurant_id=rid)
    await asyncio.sleep(0.5)  # let the waitlist's floor catch up with the last status

    parties: dict[str, dict[str, Any]] = evening["parties"]
    for n in range(40):
        body: dict[str, Any] = {
            "name": f"Guest {n}",
            "party_size": SIZES[n % len(SIZES)],
            "preference": PREFERENCES[n % len(PREFERENCES)],
        }
        if n % 2 == 0:
            body["phone"] = f"+1415555{n:04d}"
        r = await client.post(f"/v1/restaurants/{rid}/waitlist/parties", json=body)
        assert r.status_code == 201, r.text
        joined = r.json()
        assert joined["status"] == "waiting"
        assert joined["position"] == n + 1 and joined["parties_ahead"] == n
        assert joined["estimated_wait_minutes"] >= 0
        parties[joined["id"]] = {**body, "token": joined["party_token"], "id": joined["id"]}
        if n == 4:
            watchers = await _watch(journey_stack, list(parties.values()))
            evening["watchers"] = watchers

    queue = (await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)).json()
    waiting = [p for p in queue["items"] if p["status"] == "waiting"]
    assert [p["position"] for p in waiting] == list(range(1, 41))

    # The first five parties watch their place on their own channel: each gets its position.
    for party, (_, channel) in zip(list(parties.values())[:5], evening["watchers"], strict=True):
        status = (await client.get(f"/v1/parties/{party['id']}", headers=_auth(party))).json()
        message = await channel.wait_event("waitlist.queue.changed.v1", position=status["position"])
        assert message["id"] and message["channel"] == f"party:{party['id']}"
        assert message["data"]["estimated_wait_minutes"] is not None


async def _watch(stack, parties: list[dict[str, Any]]) -> list[tuple[Any, Realtime]]:
    """Each party on its own WebSocket, spread over the gateway instances."""
    watchers = []
    gateways = stack.instances["gateway"]
    for i, party in enumerate(parties):
        context = Realtime.connect(gateways[i % len(gateways)].url, party["token"])
        channel = await context.__aenter__()
        await channel.subscribe(f"party:{party['id']}")
        watchers.append((context, channel))
    return watchers


def _auth(party: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {party['token']}"}


async def test_freed_tables_go_to_parties_in_fifo_order_and_the_evening_runs(client, evening, tap):
    rid, host = evening["rid"], evening["host"]
    parties = evening["parties"]
    called: list[dict[str, Any]] = []
    # Tables free up one at a time; each goes to the first waiting party it can seat.
    for table in evening["tables"][:4] + evening["tables"][-1:]:
        queue = (await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)).json()
        waiting = [p for p in queue["items"] if p["status"] == "waiting"]
        expected = next(p for p in waiting if fits(p, table))
        r = await client.patch(
            f"/v1/restaurants/{rid}/tables/{table['id']}",
            json={"status": "available"},
            headers=host,
        )
        assert r.status_code == 200, r.text
        event = (await tap.wait_for("waitlist.party.called.v1", table_id=table["id"]))[0]
        assert event["data"]["party_id"] == expected["id"], (table, expected)
        await tap.wait_for("reservations.table.held.v1", table_id=table["id"])
        called.append({**parties[expected["id"]], "table": table, "called_event": event})

    # The first called party's page hears it is called, on its own channel.
    first_watched = {p["id"] for p in list(parties.values())[:5]}
    for party in called:
        if party["id"] in first_watched:
            index = list(parties).index(party["id"])
            channel = evening["watchers"][index][1]
            await channel.wait_event("waitlist.party.called.v1", party_id=party["id"])

    arriving, no_show_party, *_ = called
    # One party checks in, is seated, and completes.
    r = await client.post(f"/v1/parties/{arriving['id']}/check-in", headers=_auth(arriving))
    assert r.status_code == 200 and r.json()["status"] == "checked_in", r.text
    await tap.wait_for("reservations.table.status_changed.v1", table_id=arriving["table"]["id"],
                       status="occupied")  # fmt: skip
    r = await client.post(f"/v1/parties/{arriving['id']}/seat", json={}, headers=host)
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/parties/{arriving['id']}/complete", json={}, headers=host)
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text

    # Every other called party checks in, except one who never comes.
    for party in called[2:]:
        r = await client.post(f"/v1/parties/{party['id']}/check-in", headers=_auth(party))
        assert r.status_code == 200, r.text

    # The party that never comes is released when its deadline passes, and no sooner.
    deadline = datetime.fromisoformat(no_show_party["called_event"]["data"]["expires_at"])
    called_at = datetime.fromisoformat(no_show_party["called_event"]["data"]["called_at"])
    window_real = (deadline - called_at).total_seconds() / TIME_SCALE
    status = (await client.get(f"/v1/parties/{no_show_party['id']}", headers=host)).json()
    assert status["status"] == "called"
    started = time.monotonic()
    await tap.wait_for("waitlist.party.no_show.v1", party_id=no_show_party["id"],
                       timeout=window_real + 15)  # fmt: skip
    assert time.monotonic() - started <= window_real + 10
    status = (await client.get(f"/v1/parties/{no_show_party['id']}", headers=host)).json()
    assert status["status"] == "no_show"
    # ... and its table goes to the next party that fits.
    await tap.wait_for("waitlist.party.called.v1", count=2, table_id=no_show_party["table"]["id"])

    # A waiting party leaves on its own.
    queue = (await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)).json()
    leaver = next(parties[p["id"]] for p in queue["items"] if p["status"] == "waiting")
    r = await client.post(f"/v1/parties/{leaver['id']}/leave", headers=_auth(leaver))
    assert r.status_code == 200 and r.json()["status"] == "left", r.text
    r = await client.post(f"/v1/parties/{leaver['id']}/leave", headers=_auth(leaver))
    assert r.status_code == 409

    queue = (await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)).json()
    in_line = [p for p in queue["items"] if p["position"] is not None]
    assert [p["position"] for p in in_line] == list(range(1, len(in_line) + 1))
    evening["story"] = {"arriving": arriving, "no_show": no_show_party, "leaver": leaver}

    for context, _ in evening.get("watchers", []):
        with contextlib.suppress(Exception):
            await context.__aexit__(None, None, None)


async def test_two_diners_race_for_one_table_and_exactly_one_wins(client, evening, tap):
    rid = evening["rid"]
    table = evening["tables"][5]
    starts_at = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )

    async def book(name: str, phone: str) -> Any:
        return await client.post(
            f"/v1/restaurants/{rid}/reservations",
            json={
                "starts_at": starts_at.isoformat(),
                "party_size": 4,
                "name": name,
                "phone": phone,
                "table_id": table["id"],
            },
        )

    first, second = await asyncio.gather(book("Ana", "+14155550101"), book("Bo", "+14155550102"))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    winner = first if first.status_code == 201 else second
    booking = winner.json()
    assert booking["status"] == "booked" and booking["table_id"] == table["id"]

    # Another diner books and cancels with the manage token.
    other = await client.post(
        f"/v1/restaurants/{rid}/reservations",
        json={"starts_at": starts_at.isoformat(), "party_size": 2, "name": "Cy",
              "phone": "+14155550103"},
    )  # fmt: skip
    assert other.status_code == 201, other.text
    manage = {"Authorization": f"Bearer {other.json()['manage_token']}"}
    cancelled = await client.delete(f"/v1/reservations/{other.json()['id']}", headers=manage)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.delete(f"/v1/reservations/{other.json()['id']}", headers=manage)
    assert again.status_code == 409
    await tap.wait_for("reservations.reservation.cancelled.v1", reservation_id=other.json()["id"])
    evening["bookings"] = {"kept": booking, "cancelled": other.json()}


async def test_every_event_reaches_an_integrator_once_and_parses_as_a_cloudevent(evening, tap):
    story = evening["story"]
    await tap.wait_for("waitlist.party.completed.v1", party_id=story["arriving"]["id"])
    await tap.wait_for("waitlist.party.left.v1", party_id=story["leaver"]["id"])
    await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
    assert tap.unparseable == []
    ids = [e["id"] for e in tap.events]
    assert len(ids) == len(set(ids)), "an event id reached the exchange twice"

    def count(event_type: str, party_id: str) -> int:
        return len(tap.of_type(event_type, party_id=party_id))

    for party_id in evening["parties"]:
        assert count("waitlist.party.joined.v1", party_id) == 1
        assert count("waitlist.party.checked_in.v1", party_id) <= 1
    assert count("waitlist.party.checked_in.v1", story["arriving"]["id"]) == 1
    assert count("waitlist.party.completed.v1", story["arriving"]["id"]) == 1
    assert count("waitlist.party.no_show.v1", story["no_show"]["id"]) == 1
    assert count("waitlist.party.left.v1", story["leaver"]["id"]) == 1
    kinds = Counter(e["type"] for e in tap.events if e.get("restaurantid") == evening["rid"])
    assert kinds["reservations.restaurant.created.v1"] == 1
    assert kinds["reservations.table.created.v1"] == 10
    assert kinds["reservations.reservation.created.v1"] == 2
    assert kinds["reservations.reservation.cancelled.v1"] == 1
    for event in tap.events:
        assert event["specversion"] == "1.0" and event["source"].startswith("/maitred/")
        uuid.UUID(event["id"])
