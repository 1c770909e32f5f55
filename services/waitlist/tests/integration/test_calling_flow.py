"""The calling flow over the real broker: reservations' table events in, our events out."""

import uuid
from datetime import time

from maitred_contracts import (
    CloudEvent,
    RestaurantCreated,
    TableCreated,
    TableHeld,
    TableHoldRejected,
    TableStatusChanged,
)
from maitred_messaging.testing import wait_until

CALLED = "waitlist.party.called.v1"
REQUEUED = "waitlist.party.requeued.v1"


def status_changed(rid, table_id, status, capacity=4, previous="occupied", **extra):  # type: ignore[no-untyped-def]
    return TableStatusChanged(
        restaurant_id=rid,
        table_id=table_id,
        capacity=capacity,
        kind="table",
        status=status,
        previous_status=previous,
        **extra,
    )


async def test_party_joins_watches_position_fall_is_called_checks_in_and_is_seated(
    api, broker, open_restaurant, clock
) -> None:
    # "Today" in the stats is the restaurant's day: the flow (and its 50 minutes at table)
    # runs at lunchtime there, far from midnight whenever the test runs.
    clock.set_local_time(time(12, 0), RestaurantCreated.example().timezone)
    place = await open_restaurant({"T1": (4, "occupied")})
    rid, table_id = place.id, place.tables["T1"]
    first = await api.joined(rid, name="Camille", party_size=4, phone="+33612345678")
    second = await api.joined(rid, name="Alex", party_size=2)
    assert (first["position"], second["position"], second["parties_ahead"]) == (1, 2, 1)
    assert second["estimated_wait_minutes"] > first["estimated_wait_minutes"]
    assert second["estimate_low_minutes"] <= second["estimated_wait_minutes"]
    assert second["estimated_wait_minutes"] <= second["estimate_high_minutes"]
    joined = await broker.wait_for("waitlist.party.joined.v1", party_id=first["id"])
    assert joined[0].data["phone"] == "+33612345678"

    await broker.publish(status_changed(rid, table_id, "available"))
    called = await broker.wait_for(CALLED, party_id=first["id"])
    assert called[0].data["table_id"] == str(table_id)
    assert called[0].restaurantid == str(rid)
    seen_first = await api.party(first)
    assert seen_first["status"] == "called" and seen_first["table_id"] == str(table_id)
    assert seen_first["checkin_deadline"] is not None

    await broker.publish(TableHeld(restaurant_id=rid, table_id=table_id, party_id=first["id"]))
    answer = await api.client.post(
        f"/v1/parties/{first['id']}/check-in",
        headers={"Authorization": f"Bearer {first['party_token']}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "checked_in"
    await broker.wait_for("waitlist.party.checked_in.v1", party_id=first["id"])

    seated = await api.staff_action(rid, first, "seat")
    assert seated.status_code == 200, seated.text
    await broker.wait_for("waitlist.party.seated.v1", party_id=first["id"])
    # The second party moved up: its position fell from 2 to 1.
    now_second = await api.party(second)
    assert (now_second["position"], now_second["parties_ahead"]) == (1, 0)
    snapshots = await broker.wait_for("waitlist.queue.changed.v1", restaurant_id=rid)
    assert [p["party_id"] for p in snapshots[-1].data["parties"]] == [second["id"]]

    clock.advance(minutes=50)
    done = await api.staff_action(rid, first, "complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    completed = await broker.wait_for("waitlist.party.completed.v1", party_id=first["id"])
    assert completed[0].data["quoted_wait_minutes"] == first["estimated_wait_minutes"]
    stats = await api.client.get(f"/v1/restaurants/{rid}/waitlist/stats", headers=api.as_staff(rid))
    assert stats.status_code == 200
    assert stats.json()["covers_seated_today"] == 4
    assert stats.json()["quotes_measured_today"] == 1
    assert stats.json()["quote_mae_minutes"] is not None
    metrics = (await api.client.get("/metrics")).text
    assert f'maitred_waitlist_quote_mae_minutes{{restaurant_id="{rid}"}}' in metrics


async def test_rejected_hold_puts_the_party_back_and_the_next_table_is_tried(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "occupied"), "T2": (4, "occupied")})
    rid, t1, t2 = place.id, place.tables["T1"], place.tables["T2"]
    party = await api.joined(rid, party_size=3)
    behind = await api.joined(rid, party_size=2)
    await broker.publish(status_changed(rid, t1, "available"))
    await broker.wait_for(CALLED, party_id=party["id"], table_id=t1)

    await broker.publish(
        TableHoldRejected(
            restaurant_id=rid, table_id=t1, party_id=party["id"], reason="booked_soon"
        )
    )
    requeued = await broker.wait_for(REQUEUED, party_id=party["id"])
    assert requeued[0].data["reason"] == "hold_rejected" and requeued[0].data["position"] == 1
    back = await api.party(party)
    assert (back["status"], back["position"]) == ("waiting", 1)
    assert (await api.party(behind))["position"] == 2

    await broker.publish(status_changed(rid, t2, "available"))
    await broker.wait_for(CALLED, party_id=party["id"], table_id=t2)
    # The rejected table is not offered again until the floor reports news about it.
    assert broker.events(CALLED, table_id=t1, party_id=behind["id"]) == []


async def test_a_redelivered_rejection_changes_nothing(api, broker, open_restaurant) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    rid, t1 = place.id, place.tables["T1"]
    party = await api.joined(rid, party_size=2)
    other = await api.joined(rid, party_size=2)
    await broker.publish(status_changed(rid, t1, "available"))
    await broker.wait_for(CALLED, party_id=party["id"])
    rejection = await broker.publish(
        TableHoldRejected(
            restaurant_id=rid, table_id=t1, party_id=party["id"], reason="not_available"
        )
    )
    await broker.wait_for(REQUEUED, party_id=party["id"])
    await broker.publish(status_changed(rid, t1, "available", previous="held"))
    await broker.wait_for(CALLED, count=2, party_id=party["id"])

    await broker.send(rejection)  # the broker delivers the same event again
    # A new table, published after the duplicate in the same lane, marks that it was consumed.
    t2 = uuid.uuid4()
    await broker.publish(
        TableCreated(
            restaurant_id=rid, table_id=t2, label="T2", capacity=2, kind="table", status="available"
        )
    )
    await broker.wait_for(CALLED, party_id=other["id"], table_id=t2)
    assert len(broker.events(REQUEUED, party_id=party["id"])) == 1
    still = await api.party(party)
    assert (still["status"], still["table_id"]) == ("called", str(t1))


async def test_status_arriving_before_the_table_still_gives_a_correct_table(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    rid = place.id
    party = await api.joined(rid, party_size=5 - 1)
    late_table = uuid.uuid4()
    # Reservations published created (older) then available (newer); a retry swapped them.
    created_sequence, status_sequence = 10, 11
    await broker.publish(
        status_changed(rid, late_table, "available", capacity=6), sequence=status_sequence
    )
    await broker.wait_for(CALLED, party_id=party["id"], table_id=late_table)
    await broker.publish(
        TableCreated(
            restaurant_id=rid,
            table_id=late_table,
            label="T9",
            capacity=6,
            kind="table",
            status="occupied",
        ),
        sequence=created_sequence,
    )
    marker = uuid.uuid4()
    waiting = await api.joined(rid, party_size=2)
    await broker.publish(
        TableCreated(
            restaurant_id=rid,
            table_id=marker,
            label="M",
            capacity=2,
            kind="table",
            status="available",
        )
    )
    await broker.wait_for(CALLED, party_id=waiting["id"], table_id=marker)
    # The older "occupied" did not undo the newer "available": the party keeps its table.
    kept = await api.party(party)
    assert (kept["status"], kept["table_id"]) == ("called", str(late_table))
    assert broker.events(REQUEUED, party_id=party["id"]) == []


async def test_a_cleared_table_goes_from_the_party_that_left_it_to_the_next_one(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "available")})
    rid, t1 = place.id, place.tables["T1"]
    first = await api.joined(rid, party_size=2)
    await broker.wait_for(CALLED, party_id=first["id"], table_id=t1)
    await broker.publish(TableHeld(restaurant_id=rid, table_id=t1, party_id=first["id"]))
    answer = await api.client.post(
        f"/v1/parties/{first['id']}/check-in",
        headers={"Authorization": f"Bearer {first['party_token']}"},
    )
    assert answer.status_code == 200, answer.text
    second = await api.joined(rid, party_size=2)
    # Seated after the second party joined: the first party's row is now the newer one.
    assert (await api.staff_action(rid, first, "seat")).status_code == 200
    await broker.publish(status_changed(rid, t1, "occupied", previous="held"))

    # One change completes the first party and gives its table to the second.
    await broker.publish(status_changed(rid, t1, "available"))
    called = await broker.wait_for(CALLED, party_id=second["id"])
    assert called[0].data["table_id"] == str(t1)
    await broker.wait_for("waitlist.party.completed.v1", party_id=first["id"])
    assert (await api.party(second))["status"] == "called"


async def test_a_join_called_at_once_announces_joined_called_and_the_queue_in_that_order(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "available")})
    party = await api.joined(place.id, party_size=2)
    assert party["status"] == "called"

    def of_the_join() -> list[CloudEvent]:
        about = [e for e in broker.seen if e.restaurantid == str(place.id)]
        return sorted(
            (e for e in about if party["id"] in (e.data.get("party_id"), *queued(e))),
            key=lambda e: e.sequence,
        )

    async def all_three() -> bool:
        return len(of_the_join()) == 3

    await wait_until(all_three, 15)
    announced = of_the_join()
    assert [e.type for e in announced] == [
        "waitlist.party.joined.v1",
        CALLED,
        "waitlist.queue.changed.v1",
    ]
    assert announced[-1].data["parties"][0]["status"] == "called"


def queued(event: CloudEvent) -> list[str]:
    return [p["party_id"] for p in event.data.get("parties", [])]
