"""Postgres goes away under the reservations service (every connection reset, new ones
refused, as in a restart in `immediate` mode) while diners book.

While it is away, a booking is answered 503 with Retry-After (never 500); the pool recovers
by itself; every booking that was answered 201 exists afterwards, once; a booking committed
just as the database went (answered 503) is answered to its retry, not booked again; and no
two bookings of one table overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from .chaos import FaultStack, Outcome, bounded_gather, call, sized, tally, unique_phone
from .conftest import new_restaurant

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]

CREATED = "reservations.reservation.created.v1"
SLOTS = 10


async def book(
    client: httpx.AsyncClient, chaos: FaultStack, rid: str, starts_at: str, log: list[Outcome]
) -> Outcome:
    """A well-behaved client: one Idempotency-Key, retries after 503 as Retry-After says."""
    phone = unique_phone("+1917")
    chaos.secrets.add(phone)
    body = {"starts_at": starts_at, "party_size": 2, "name": "Booker", "phone": phone}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    outcome = Outcome(0, None, 0)
    for _ in range(40):
        outcome = await call(
            client, "POST", f"/v1/restaurants/{rid}/reservations", json=body, headers=headers
        )
        log.append(outcome)
        if outcome.status != 503:
            break
        await asyncio.sleep(min(float(outcome.headers.get("retry-after", "1")), 2.0))
    if outcome.status == 201:
        chaos.secrets.add(outcome.body["manage_token"])
    return outcome


async def test_postgres_away_during_bookings_answers_503_and_keeps_every_booking(
    chaos, client, tap
):
    """Fault 4: the reservations database is away for a while during a rush of bookings."""

    async def outage() -> None:
        await chaos.reservations_db.refuse()
        await asyncio.sleep(sized(6, 10))
        await chaos.reservations_db.listen_again()

    await booking_rush(chaos, client, tap, outage)


async def booking_rush(
    chaos: FaultStack, client: httpx.AsyncClient, tap: Any, outage: Callable[[], Awaitable[None]]
) -> None:
    """Bookings with Idempotency-Key retries, `outage` once a fifth are acknowledged; then
    every diner has exactly one table, each booking was heard of once, none overlap."""
    tables = sized(10, 20)
    count = tables * SLOTS
    place = await new_restaurant(
        client, [{"label": f"B{n}", "capacity": 2, "kind": "table"} for n in range(tables)]
    )
    rid, owner = place["rid"], place["owner"]
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    starts = [
        datetime(day.year, day.month, day.day, 10 + (n % SLOTS), tzinfo=UTC).isoformat()
        for n in range(count)
    ]
    answers: list[Outcome] = []
    acked: list[Outcome] = []

    async def one(n: int) -> Outcome:
        outcome = await book(client, chaos, rid, starts[n], answers)
        if outcome.status == 201:
            acked.append(outcome)
        return outcome

    async def fault() -> None:
        while len(acked) < count // 5:
            await asyncio.sleep(0.01)
        await outage()

    outcomes, _ = await asyncio.gather(bounded_gather(count, 16, one), fault())

    unavailable = [a for a in answers if a.status == 503]
    full = [a for a in outcomes if a.status == 409]
    other = [(a.status, a.body) for a in answers if a.status not in (201, 503, 409)]
    print(
        f"postgres away: {len(acked)} bookings acknowledged of {count}, "
        f"{len(unavailable)} answers 503 on the way, {len(full)} found their slot full"
    )
    # Never a 500, nor a 502 (a connection dropped after a 503), nor a 504 (a stuck pool).
    assert other == [], other[:5]
    assert unavailable, "the outage was not seen by any booking"
    assert all(a.headers.get("retry-after") for a in unavailable)
    assert all(a.body.get("status") == 503 for a in unavailable)  # a problem document
    # Demand equals the free slots: once the pool is back, every diner has a table. A booking
    # answered 503 that had in fact committed is found by its retry (same Idempotency-Key,
    # kept in the booking's transaction), so nobody's retry takes a second table.
    assert full == [], f"{len(full)} diners found their slot full: a retry booked twice"
    assert [o.status for o in outcomes].count(201) == count

    await chaos.ready_within(30)
    booked = await client.get(
        f"/v1/restaurants/{rid}/reservations", params={"date": day.isoformat()}, headers=owner
    )
    assert booked.status_code == 200, booked.text
    live = [b for b in booked.json()["items"] if b["status"] == "booked"]
    ids = {o.body["id"] for o in outcomes if o.status == 201}
    unacknowledged = [b for b in live if b["id"] not in ids]
    assert ids <= {b["id"] for b in live}  # each acknowledged booking exists
    assert unacknowledged == []  # and nothing else was booked
    assert overlaps(live) == []
    # Each diner's manage token still reads its booking.
    for outcome in [o for o in outcomes if o.status == 201][:: max(1, count // 20)]:
        r = await client.get(
            f"/v1/reservations/{outcome.body['id']}",
            headers={"Authorization": f"Bearer {outcome.body['manage_token']}"},
        )
        assert r.status_code == 200 and r.json()["status"] == "booked", r.text
    # ... and integrators heard of each booking once.
    deadline = asyncio.get_running_loop().time() + 60
    while tally(tap.events, CREATED, "reservation_id", ids).lost:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.2)
    result = tally(tap.events, CREATED, "reservation_id", ids)
    assert result.lost == [] and result.applied_twice == [], result.summary()


def overlaps(bookings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    by_table: dict[str, list[dict[str, Any]]] = {}
    for b in bookings:
        by_table.setdefault(b["table_id"], []).append(b)
    clashes = []
    for rows in by_table.values():
        rows.sort(key=lambda b: b["starts_at"])
        for a, b in itertools.pairwise(rows):
            if datetime.fromisoformat(b["starts_at"]) < datetime.fromisoformat(a["ends_at"]):
                clashes.append((a["id"], b["id"]))
    return clashes


async def http_twice_on_one_connection(url: str, path: str) -> list[bytes]:
    """Two GETs, one after the other, on one keep-alive connection, as the gateway's pool
    reuses connections; returns each answer's status line (b"" when the server had closed)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n"
    lines: list[bytes] = []
    try:
        for _ in range(2):
            writer.write(request.encode())
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            except (asyncio.IncompleteReadError, ConnectionError):
                lines.append(b"")
                break
            lines.append(head.split(b"\r\n", 1)[0])
            length = next(
                int(h.split(b":", 1)[1]) for h in head.split(b"\r\n")
                if h.lower().startswith(b"content-length:")
            )  # fmt: skip
            await reader.readexactly(length)
            await asyncio.sleep(0.3)  # the service has done whatever it does after answering
    finally:
        writer.close()
    return lines


async def test_a_503_for_a_database_outage_keeps_the_connection_open(chaos, client):
    """A 503 leaves the keep-alive connection open: the gateway's pooled connection to the
    service stays usable (a dropped one would turn the next call into a 502)."""
    reservations = chaos.instances("reservations")[0]
    place = await new_restaurant(client, [{"label": "K1", "capacity": 2, "kind": "table"}])
    path = f"/v1/restaurants/{place['rid']}"
    assert await http_twice_on_one_connection(reservations.url, path) == [b"HTTP/1.1 200 OK"] * 2
    await chaos.reservations_db.refuse()
    try:
        answers = await http_twice_on_one_connection(reservations.url, path)
    finally:
        await chaos.reservations_db.listen_again()
    assert answers == [b"HTTP/1.1 503 Service Unavailable"] * 2


async def test_a_database_behind_a_dead_pooler_is_a_503(chaos, client):
    """A pooler or TCP balancer in front of Postgres whose backend is gone accepts the
    connection and hangs up during the handshake: still a 503, not a 500."""
    place = await new_restaurant(client, [{"label": "D1", "capacity": 2, "kind": "table"}])
    chaos.reservations_db.hang_up_after_hello = True
    chaos.reservations_db.cut()
    chaos.reservations_db.restore()
    try:
        r = await client.get(f"/v1/restaurants/{place['rid']}/tables", headers=place["owner"])
    finally:
        chaos.reservations_db.hang_up_after_hello = False
    await chaos.ready_within(30)
    assert r.status_code == 503, r.text
    assert r.headers.get("retry-after")
