"""A join retried with its Idempotency-Key is the same party, whatever the first answer was.

The gateway replays answers it kept in Redis; these cover what reaches the service when that
answer was lost (a 503 during a commit that went through, Redis without the record).
"""

import asyncio
import uuid

import pytest

JOIN = "/v1/restaurants/{rid}/waitlist/parties"


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def waiting_count(api, rid) -> int:  # type: ignore[no-untyped-def]
    return (await api.client.get(f"/v1/restaurants/{rid}/waitlist")).json()["parties_waiting"]


@pytest.fixture
async def place(open_restaurant):  # type: ignore[no-untyped-def]
    return await open_restaurant({"T1": (4, "occupied"), "T2": (2, "occupied")}, 6)


async def test_a_retried_join_answers_the_same_party_and_token(api, place) -> None:
    body = {"name": "Robin", "party_size": 2, "phone": "+14155550142"}
    url = JOIN.format(rid=place.id)

    first = await api.client.post(url, json=body, headers=keyed("join-1"))
    again = await api.client.post(url, json=body, headers=keyed("join-1"))

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["party_token"] == first.json()["party_token"]
    assert again.json()["position"] == 1
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await waiting_count(api, place.id) == 1
    # the replayed token is the party's credential
    seen = await api.party(again.json())
    assert seen["id"] == first.json()["id"]


async def test_a_retry_without_a_phone_does_not_queue_a_second_party(api, place) -> None:
    url = JOIN.format(rid=place.id)
    body = {"name": "Sam", "party_size": 3}

    answers = await asyncio.gather(
        *(api.client.post(url, json=body, headers=keyed("together")) for _ in range(6))
    )

    assert [a.status_code for a in answers] == [201] * 6
    assert len({a.json()["id"] for a in answers}) == 1
    assert await waiting_count(api, place.id) == 1
    # without a key, the same body is another party
    other = await api.client.post(url, json=body)
    assert other.status_code == 201 and other.json()["id"] != answers[0].json()["id"]


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api, place) -> None:
    url = JOIN.format(rid=place.id)
    first = await api.client.post(url, json={"name": "A", "party_size": 2}, headers=keyed("k"))
    other = await api.client.post(url, json={"name": "A", "party_size": 4}, headers=keyed("k"))

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert await waiting_count(api, place.id) == 1


async def test_a_retry_after_leaving_shows_the_party_gone_and_queues_nobody(api, place) -> None:
    url = JOIN.format(rid=place.id)
    body = {"name": "Kim", "party_size": 2}
    key = str(uuid.uuid4())
    first = await api.client.post(url, json=body, headers=keyed(key))
    left = await api.client.post(
        f"/v1/parties/{first.json()['id']}/leave",
        headers={"Authorization": f"Bearer {first.json()['party_token']}"},
    )
    assert left.status_code == 200

    again = await api.client.post(url, json=body, headers=keyed(key))

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "left"
    assert await waiting_count(api, place.id) == 0
