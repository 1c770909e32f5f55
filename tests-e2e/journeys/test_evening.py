"""An evening at one restaurant, told through the public API, the realtime channel and the
events an integrator sees — once with one instance of every service, once with two."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
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
        # The longest check-in window the API allows (30 s of wall time at TIME_SCALE): the
        # called parties' check-ins must land inside it however slow the machine is.
        settings = await http.patch(
            f"/v1/restaurants/{rid}/waitlist/settings",
            json={"mode": "auto", "strategy": "fifo", "checkin_timeout_seconds": 900},
            headers=owner,
        )
        assert settings.status_code == 200, settings.text
        tables = (await http.get(f"/v1/restaurants/{rid}/tables", headers=host)).json()["items"]
        assert len(tables) == 10
    return {"rid": rid, "owner": owner, "host": host, "tables": tables}


async def summary_until(
    http: Any, rid: str, ok: Callable[[dict[str, Any]], bool], timeout: float = 30
) -> dict[str, Any]:
    """Polls the public waitlist summary until `ok` holds (the waitlist learns by events)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        answer = await http.get(f"/v1/restaurants/{rid}/waitlist")
        last = answer.json() if answer.status_code == 200 else answer.text
        if answer.status_code == 200 and ok(last):
            return dict(last)
        await asyncio.sleep(0.2)
    raise AssertionError(f"waitlist summary never matched; last answer: {last}")


@pytest.fixture(scope="module")
async def walk_ins(journey_stack, evening, tap) -> AsyncIterator[dict[str, Any]]:
    """A full house, then forty parties join; the first five watch their place live.

    What the diners were answered, the host's queue right after and what each watcher's
    channel said are recorded for the test that checks them, so the later steps of the
    evening (which move the queue) cannot change what that test sees.
    """
    import httpx

    rid, host = evening["rid"], evening["host"]
    parties: dict[str, dict[str, Any]] = {}
    answers: list[dict[str, Any]] = []
    watchers: list[tuple[Any, Realtime]] = []
    async with httpx.AsyncClient(base_url=journey_stack.url("gateway"), timeout=20) as client:
        # A full house: every table is taken before the first walk-in arrives.
        for table in evening["tables"]:
            r = await client.patch(
                f"/v1/restaurants/{rid}/tables/{table['id']}",
                json={"status": "occupied"},
                headers=host,
            )
            assert r.status_code == 200, r.text
        await tap.wait_for("reservations.table.status_changed.v1", count=10, restaurant_id=rid)
        # ... and the waitlist has applied it: it quotes a newcomer (two, any seating) a
        # wait only when none of the tables it knows is free.
        await summary_until(client, rid, lambda s: (s.get("estimated_wait_minutes") or 0) > 0)

        try:
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
                answers.append(joined)
                parties[joined["id"]] = {**body, "token": joined["party_token"], "id": joined["id"]}
                if n == 4:
                    watchers = await _watch(journey_stack, list(parties.values()))

            queue = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)
            assert queue.status_code == 200, queue.text

            # Each of the first five parties' own channel, for the place the party has now.
            heard: list[tuple[dict[str, Any], dict[str, Any] | AssertionError]] = []
            for party, (_, channel) in zip(list(parties.values())[:5], watchers, strict=True):
                status = await client.get(f"/v1/parties/{party['id']}", headers=_auth(party))
                assert status.status_code == 200, status.text
                position = status.json()["position"]
                try:
                    message: dict[str, Any] | AssertionError = await channel.wait_event(
                        "waitlist.queue.changed.v1", position=position
                    )
                except AssertionError as missing:
                    message = missing
                heard.append((party, message))

            yield {
                "parties": parties,
                "answers": answers,
                "queue": queue.json()["items"],
                "heard": heard,
                "watchers": watchers,
            }
        finally:
            for context, _ in watchers:
                with contextlib.suppress(Exception):
                    await context.__aexit__(None, None, None)


async def test_forty_parties_join_and_follow_their_place_live(walk_ins):
    for n, joined in enumerate(walk_ins["answers"]):
        assert joined["status"] == "waiting"
        assert joined["position"] == n + 1 and joined["parties_ahead"] == n
        assert joined["estimated_wait_minutes"] >= 0
    assert len(walk_ins["answers"]) == 40

    waiting = [p for p in walk_ins["queue"] if p["status"] == "waiting"]
    assert [p["position"] for p in waiting] == list(range(1, 41))

    # The first five parties watch their place on their own channel: each gets its position.
    assert len(walk_ins["heard"]) == 5
    for party, message in walk_ins["heard"]:
        assert not isinstance(message, AssertionError), message
        assert message["id"] and message["channel"] == f"party:{party['id']}"
        assert message["data"]["estimated_wait_minutes"] is not None


async def _watch(stack, parties: list[dict[str, Any]]) -> list[tuple[Any, Realtime]]:
    """Each party on its own WebSocket, spread over the gateway instances."""
    watchers = []
    gateways = stack.instances["gateway"]
    for i, party in enumerate(parties):
        context = Realtime.connect(gateways[i % len(gateways)].url, party["token"])
        channel = await context.__aenter__()
        watchers.append((context, channel))
        await channel.subscribe(f"party:{party['id']}")
    return watchers


def _auth(party: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {party['token']}"}


@pytest.fixture(scope="module")
async def story(journey_stack, evening, walk_ins, tap) -> dict[str, Any]:
    """The evening runs: tables free up, parties are called, one checks in, is seated and
    completes, one never comes, one leaves. What the test checks is recorded as it happens."""
    import httpx

    rid, host = evening["rid"], evening["host"]
    parties = walk_ins["parties"]
    called: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=journey_stack.url("gateway"), timeout=20) as client:
        # Tables free up one at a time; each goes to the first waiting party it can seat.
        for table in evening["tables"][:4] + evening["tables"][-1:]:
            queue = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)
            waiting = [p for p in queue.json()["items"] if p["status"] == "waiting"]
            expected = next(p for p in waiting if fits(p, table))
            r = await client.patch(
                f"/v1/restaurants/{rid}/tables/{table['id']}",
                json={"status": "available"},
                headers=host,
            )
            assert r.status_code == 200, r.text
            event = (await tap.wait_for("waitlist.party.called.v1", table_id=table["id"]))[0]
            await tap.wait_for("reservations.table.held.v1", table_id=table["id"])
            got = parties[event["data"]["party_id"]]
            called.append({**got, "table": table, "called_event": event, "expected": expected})

        # The called parties' pages hear it, on their own channels.
        first_watched = list(parties)[:5]
        heard: dict[str, dict[str, Any] | AssertionError] = {}
        for party in called:
            if party["id"] in first_watched:
                channel = walk_ins["watchers"][first_watched.index(party["id"])][1]
                try:
                    heard[party["id"]] = await channel.wait_event(
                        "waitlist.party.called.v1", party_id=party["id"]
                    )
                except AssertionError as missing:
                    heard[party["id"]] = missing

        arriving, no_show_party, *_ = called
        # One party checks in, is seated, and completes.
        checked_in = await client.post(
            f"/v1/parties/{arriving['id']}/check-in", headers=_auth(arriving)
        )
        assert checked_in.status_code == 200, checked_in.text
        await tap.wait_for("reservations.table.status_changed.v1",
                           table_id=arriving["table"]["id"], status="occupied")  # fmt: skip
        seated = await client.post(f"/v1/parties/{arriving['id']}/seat", json={}, headers=host)
        assert seated.status_code == 200, seated.text
        completed = await client.post(
            f"/v1/parties/{arriving['id']}/complete", json={}, headers=host
        )

        # Every other called party checks in, except one who never comes.
        others = [
            await client.post(f"/v1/parties/{party['id']}/check-in", headers=_auth(party))
            for party in called[2:]
        ]

        # The party that never comes is released when its deadline passes, and its table goes
        # to the next party that fits.
        data = no_show_party["called_event"]["data"]
        window_real = (
            datetime.fromisoformat(data["expires_at"]) - datetime.fromisoformat(data["called_at"])
        ).total_seconds() / TIME_SCALE
        no_show = (await tap.wait_for("waitlist.party.no_show.v1",
                                      party_id=no_show_party["id"],
                                      timeout=window_real + 30))[0]  # fmt: skip
        after_no_show = await client.get(f"/v1/parties/{no_show_party['id']}", headers=host)
        await tap.wait_for(
            "waitlist.party.called.v1", count=2, table_id=no_show_party["table"]["id"]
        )

        # A waiting party leaves on its own, and cannot leave twice.
        queue = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)
        leaver = next(parties[p["id"]] for p in queue.json()["items"] if p["status"] == "waiting")
        left = await client.post(f"/v1/parties/{leaver['id']}/leave", headers=_auth(leaver))
        left_again = await client.post(f"/v1/parties/{leaver['id']}/leave", headers=_auth(leaver))
        final_queue = await client.get(f"/v1/restaurants/{rid}/waitlist/parties", headers=host)
    return {
        "called": called,
        "heard": heard,
        "arriving": arriving,
        "checked_in": checked_in,
        "completed": completed,
        "others_checked_in": others,
        "no_show": no_show_party,
        "no_show_event": no_show,
        "after_no_show": after_no_show,
        "leaver": leaver,
        "left": left,
        "left_again": left_again,
        "final_queue": final_queue,
    }


async def test_freed_tables_go_to_parties_in_fifo_order_and_the_evening_runs(story):
    # Each freed table went to the first waiting party it could seat.
    for party in story["called"]:
        assert party["id"] == party["expected"]["id"], (party["table"], party["expected"])

    # The called parties' pages heard it, on their own channels.
    assert story["heard"], "none of the watched parties was called"
    for party_id, message in story["heard"].items():
        assert not isinstance(message, AssertionError), (party_id, message)

    checked_in = story["checked_in"]
    assert checked_in.status_code == 200 and checked_in.json()["status"] == "checked_in"
    completed = story["completed"]
    assert completed.status_code == 200 and completed.json()["status"] == "completed", (
        completed.text
    )
    for answer in story["others_checked_in"]:
        assert answer.status_code == 200, answer.text

    # Released when its deadline passed and no sooner, by the waitlist's own clock: the
    # no-show event is stamped at or after the deadline the call gave, and within ten seconds
    # of wall time (the timers run every second) after it.
    called = story["no_show"]["called_event"]["data"]
    deadline = datetime.fromisoformat(called["expires_at"])
    released = datetime.fromisoformat(story["no_show_event"]["time"])
    assert released >= deadline, (released, deadline)
    assert (released - deadline).total_seconds() / TIME_SCALE <= 10, (released, deadline)
    assert story["no_show_event"]["data"]["requeued"] is False
    assert story["after_no_show"].json()["status"] == "no_show"

    left, left_again = story["left"], story["left_again"]
    assert left.status_code == 200 and left.json()["status"] == "left", left.text
    assert left_again.status_code == 409

    in_line = [p for p in story["final_queue"].json()["items"] if p["position"] is not None]
    assert [p["position"] for p in in_line] == list(range(1, len(in_line) + 1))


@pytest.fixture(scope="module")
async def bookings(journey_stack, evening, tap) -> dict[str, Any]:
    """Two diners book the same table for the same time at once; another books and cancels."""
    import httpx

    rid = evening["rid"]
    table = evening["tables"][5]
    starts_at = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    async with httpx.AsyncClient(base_url=journey_stack.url("gateway"), timeout=20) as client:

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

        first, second = await asyncio.gather(
            book("Ana", "+14155550101"), book("Bo", "+14155550102")
        )

        # Another diner books and cancels with the manage token.
        other = await client.post(
            f"/v1/restaurants/{rid}/reservations",
            json={"starts_at": starts_at.isoformat(), "party_size": 2, "name": "Cy",
                  "phone": "+14155550103"},
        )  # fmt: skip
        assert other.status_code == 201, other.text
        manage = {"Authorization": f"Bearer {other.json()['manage_token']}"}
        cancelled = await client.delete(f"/v1/reservations/{other.json()['id']}", headers=manage)
        again = await client.delete(f"/v1/reservations/{other.json()['id']}", headers=manage)
        await tap.wait_for(
            "reservations.reservation.cancelled.v1", reservation_id=other.json()["id"]
        )
    return {
        "table": table,
        "first": first,
        "second": second,
        "other": other,
        "cancelled": cancelled,
        "again": again,
    }


async def test_two_diners_race_for_one_table_and_exactly_one_wins(bookings):
    first, second = bookings["first"], bookings["second"]
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    winner = first if first.status_code == 201 else second
    booking = winner.json()
    assert booking["status"] == "booked" and booking["table_id"] == bookings["table"]["id"]

    assert bookings["other"].status_code == 201, bookings["other"].text
    cancelled = bookings["cancelled"]
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert bookings["again"].status_code == 409


async def test_every_event_reaches_an_integrator_once_and_parses_as_a_cloudevent(
    evening, walk_ins, story, bookings, tap
):
    await tap.wait_for("waitlist.party.completed.v1", party_id=story["arriving"]["id"])
    await tap.wait_for("waitlist.party.left.v1", party_id=story["leaver"]["id"])
    await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
    assert tap.unparseable == []
    ids = [e["id"] for e in tap.events]
    assert len(ids) == len(set(ids)), "an event id reached the exchange twice"

    def count(event_type: str, party_id: str) -> int:
        return len(tap.of_type(event_type, party_id=party_id))

    for party_id in walk_ins["parties"]:
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
