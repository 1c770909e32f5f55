"""Bad input gets a clear problem answer and changes nothing."""

import uuid

import pytest

from maitred_contracts import TableStatusChanged

PROBLEM = "application/problem+json"


def assert_problem(answer, status: int, field: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]


async def waiting_count(api, rid) -> int:  # type: ignore[no-untyped-def]
    return (await api.client.get(f"/v1/restaurants/{rid}/waitlist")).json()["parties_waiting"]


@pytest.fixture
async def place(open_restaurant):  # type: ignore[no-untyped-def]
    return await open_restaurant({"T1": (4, "occupied"), "Bar1": (2, "occupied")}, 6)


async def test_joining_a_closed_list_is_refused(api, broker, place) -> None:
    closed = await api.client.patch(
        f"/v1/restaurants/{place.id}/waitlist/settings",
        headers=api.as_staff(place.id),
        json={"open": False},
    )
    assert closed.status_code == 200 and closed.json()["open"] is False
    await broker.wait_for("waitlist.waitlist.closed.v1", restaurant_id=place.id)
    assert_problem(await api.join(place.id), 409)
    assert await waiting_count(api, place.id) == 0


async def test_joining_an_unknown_restaurant_is_refused(api) -> None:
    assert_problem(await api.join(uuid.uuid4()), 404)


async def test_the_same_phone_cannot_wait_twice(api, place) -> None:
    await api.joined(place.id, phone="+33612345678")
    assert_problem(await api.join(place.id, phone="+33612345678"), 409)
    assert await waiting_count(api, place.id) == 1


@pytest.mark.parametrize("size", [0, -2])
async def test_party_size_below_one_is_refused(api, place, size: int) -> None:
    assert_problem(await api.join(place.id, party_size=size), 422, "party_size")
    assert await waiting_count(api, place.id) == 0


async def test_party_above_the_waitlist_limit_is_refused(api, place) -> None:
    assert_problem(await api.join(place.id, party_size=7), 422, "party_size")
    assert await waiting_count(api, place.id) == 0


async def test_party_above_every_table_is_refused(api, place) -> None:
    assert_problem(await api.join(place.id, party_size=5), 422, "party_size")
    assert await waiting_count(api, place.id) == 0


async def test_a_phone_that_is_not_e164_is_refused(api, place) -> None:
    assert_problem(await api.join(place.id, phone="0612345678"), 422, "phone")


async def test_leaving_twice_is_refused(api, place) -> None:
    party = await api.joined(place.id)
    headers = {"Authorization": f"Bearer {party['party_token']}"}
    first = await api.client.post(f"/v1/parties/{party['id']}/leave", headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "left"
    assert_problem(await api.client.post(f"/v1/parties/{party['id']}/leave", headers=headers), 409)
    assert (await api.party(party))["status"] == "left"


async def test_leaving_a_list_you_are_not_on_is_refused(api, broker, place) -> None:
    party = await api.joined(place.id, party_size=4)
    await broker.publish(
        TableStatusChanged(
            restaurant_id=place.id,
            table_id=place.tables["T1"],
            capacity=4,
            kind="table",
            status="available",
            previous_status="occupied",
        )
    )
    await api.status_becomes(party, "called")
    assert (await api.staff_action(place.id, party, "seat")).status_code == 200
    headers = {"Authorization": f"Bearer {party['party_token']}"}
    answer = await api.client.post(f"/v1/parties/{party['id']}/leave", headers=headers)
    assert_problem(answer, 409)
    assert (await api.party(party))["status"] == "checked_in"
    unknown = await api.client.post(f"/v1/parties/{uuid.uuid4()}/leave", headers=headers)
    assert_problem(unknown, 404)


async def test_checking_in_when_not_called_is_refused(api, place) -> None:
    party = await api.joined(place.id)
    answer = await api.client.post(
        f"/v1/parties/{party['id']}/check-in",
        headers={"Authorization": f"Bearer {party['party_token']}"},
    )
    assert_problem(answer, 409)
    assert (await api.party(party))["status"] == "waiting"


async def test_another_partys_token_opens_nothing(api, place) -> None:
    party, other = await api.joined(place.id), await api.joined(place.id)
    stolen = {"Authorization": f"Bearer {other['party_token']}"}
    assert_problem(
        await api.client.post(f"/v1/parties/{party['id']}/check-in", headers=stolen), 404
    )
    assert_problem(await api.client.post(f"/v1/parties/{party['id']}/leave", headers=stolen), 404)
    assert_problem(await api.client.get(f"/v1/parties/{party['id']}", headers=stolen), 404)
    assert (await api.party(party))["status"] == "waiting"


async def test_a_party_without_any_credential_is_asked_for_one(api, place) -> None:
    party = await api.joined(place.id)
    assert_problem(await api.client.get(f"/v1/parties/{party['id']}"), 401)


async def test_status_of_an_unknown_party_is_not_found(api, place) -> None:
    party = await api.joined(place.id)
    headers = {"Authorization": f"Bearer {party['party_token']}"}
    assert_problem(await api.client.get(f"/v1/parties/{uuid.uuid4()}", headers=headers), 404)


async def test_staff_of_another_restaurant_cannot_act_on_a_party(
    api, place, open_restaurant
) -> None:
    elsewhere = await open_restaurant({"T1": (4, "available")})
    party = await api.joined(place.id)
    for action in ("call", "seat", "complete", "no-show", "remove", "leave"):
        answer = await api.staff_action(elsewhere.id, party, action)
        assert_problem(answer, 404)
    foreign = api.as_staff(elsewhere.id)
    assert_problem(await api.client.get(f"/v1/parties/{party['id']}", headers=foreign), 404)
    queue = await api.client.get(f"/v1/restaurants/{place.id}/waitlist/parties", headers=foreign)
    assert_problem(queue, 404)
    assert (await api.party(party))["status"] == "waiting"


async def test_staff_actions_need_a_staff_credential(api, place) -> None:
    party = await api.joined(place.id)
    answer = await api.client.post(
        f"/v1/parties/{party['id']}/remove",
        headers={"Authorization": f"Bearer {party['party_token']}"},
    )
    assert_problem(answer, 401)
    assert (await api.party(party))["status"] == "waiting"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checkin_timeout_seconds": 299}, "checkin_timeout_seconds"),
        ({"checkin_timeout_seconds": 901}, "checkin_timeout_seconds"),
        ({"heads_up_minutes": -1}, "heads_up_minutes"),
        ({"max_party_size": 0}, "max_party_size"),
        ({"max_party_size": 7}, "max_party_size"),
        ({"mode": "sometimes"}, "mode"),
        ({"strategy": "random"}, "strategy"),
        ({"max_passed_over": 21}, "max_passed_over"),
        ({"open": None}, "body"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_settings_out_of_range_are_refused(api, place, change, field) -> None:
    url = f"/v1/restaurants/{place.id}/waitlist/settings"
    before = (await api.client.get(url, headers=api.as_staff(place.id, "host"))).json()
    answer = await api.client.patch(url, headers=api.as_staff(place.id), json=change)
    assert_problem(answer, 422, field)
    assert (await api.client.get(url, headers=api.as_staff(place.id))).json() == before


async def test_only_an_owner_changes_settings(api, place) -> None:
    url = f"/v1/restaurants/{place.id}/waitlist/settings"
    answer = await api.client.patch(
        url, headers=api.as_staff(place.id, "host"), json={"open": False}
    )
    assert_problem(answer, 403)
    assert (await api.client.get(url, headers=api.as_staff(place.id))).json()["open"] is True
