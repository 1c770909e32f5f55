"""What the public, the host and the gateway read and do through the HTTP API."""

import uuid

from maitred_platform.principal import HEADER


async def test_public_summary_counts_parties_without_naming_them(api, open_restaurant) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    await api.joined(place.id, name="Secret Name", phone="+33612345678")
    answer = await api.client.get(f"/v1/restaurants/{place.id}/waitlist")
    assert answer.status_code == 200
    summary = answer.json()
    assert summary["open"] is True and summary["parties_waiting"] == 1
    assert summary["estimated_wait_minutes"] > 0
    assert "Secret Name" not in answer.text and "+336" not in answer.text


async def test_host_sees_the_queue_in_order_with_contiguous_positions(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    parties = [await api.joined(place.id, name=f"P{i}") for i in range(4)]
    removed = await api.staff_action(place.id, parties[1], "remove")
    assert removed.status_code == 200 and removed.json()["status"] == "left"
    left = await broker.wait_for("waitlist.party.left.v1", party_id=parties[1]["id"])
    assert left[0].data["by"] == "staff"
    queue = await api.queue(place.id)
    assert [p["name"] for p in queue] == ["P0", "P2", "P3"]
    assert [p["position"] for p in queue] == [1, 2, 3]
    assert all(p["joined_at"] and p["quoted_wait_minutes"] is not None for p in queue)
    assert "wait_so_far_minutes" in queue[0]


async def test_manual_mode_suggests_and_the_host_calls_with_a_chosen_table(
    api, broker, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "available"), "T2": (2, "available")})
    rid = place.id
    settings = await api.client.patch(
        f"/v1/restaurants/{rid}/waitlist/settings",
        headers=api.as_staff(rid),
        json={"mode": "manual"},
    )
    assert settings.json()["mode"] == "manual"
    party = await api.joined(rid, party_size=2)
    assert party["status"] == "waiting"
    queue = await api.queue(rid)
    assert queue[0]["suggested_table_id"] == str(place.tables["T2"])

    called = await api.staff_action(rid, party, "call", table_id=str(place.tables["T1"]))
    assert called.status_code == 200, called.text
    assert (called.json()["status"], called.json()["table_id"]) == (
        "called",
        str(place.tables["T1"]),
    )
    event = await broker.wait_for("waitlist.party.called.v1", party_id=party["id"])
    assert event[0].data["table_id"] == str(place.tables["T1"])
    again = await api.staff_action(rid, party, "call")
    assert again.status_code == 409


async def test_best_fit_gives_a_big_table_to_the_party_that_fills_it(
    api, broker, open_restaurant
) -> None:
    from maitred_contracts import TableStatusChanged

    place = await open_restaurant({"T6": (6, "occupied")})
    rid = place.id
    await api.client.patch(
        f"/v1/restaurants/{rid}/waitlist/settings",
        headers=api.as_staff(rid),
        json={"strategy": "best_fit"},
    )
    couple = await api.joined(rid, party_size=2)
    family = await api.joined(rid, party_size=6)
    await broker.publish(
        TableStatusChanged(
            restaurant_id=rid,
            table_id=place.tables["T6"],
            capacity=6,
            kind="table",
            status="available",
            previous_status="cleaning",
        )
    )
    await broker.wait_for("waitlist.party.called.v1", party_id=family["id"])
    assert (await api.party(couple))["status"] == "waiting"


async def test_gateway_verifies_a_party_token_for_realtime(api, open_restaurant, as_staff) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    party = await api.joined(place.id)
    url = "/internal/v1/party-tokens/verify"
    gateway = as_staff(uuid.uuid4())
    answer = await api.client.post(url, json={"token": party["party_token"]}, headers=gateway)
    assert answer.status_code == 200
    assert answer.json() == {"party_id": party["id"], "restaurant_id": str(place.id)}
    unknown = await api.client.post(url, json={"token": "pty_nope"}, headers=gateway)
    assert unknown.status_code == 404
    unsigned = await api.client.post(url, json={"token": party["party_token"]})
    assert unsigned.status_code == 401
    forged = await api.client.post(
        url, json={"token": party["party_token"]}, headers={HEADER: "not-a-jwt"}
    )
    assert forged.status_code == 401


async def test_party_token_is_returned_only_when_joining(api, open_restaurant) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    party = await api.joined(place.id)
    assert party["party_token"].startswith("pty_")
    seen = await api.party(party)
    assert "party_token" not in seen
    assert seen["id"] == party["id"] and seen["restaurant_id"] == str(place.id)
