"""Inputs the fuzzing found answered with 500; each pinned on its own, deterministically."""

from __future__ import annotations

import pytest
from attacks.hostile import owner_with_restaurant

pytestmark = pytest.mark.slow


async def test_a_huge_list_offset_is_422(client):
    r = await client.get("/v1/restaurants", params={"limit": "5", "offset": str(2**69)})
    assert r.status_code == 422, r.text


async def test_a_nul_character_in_a_label_is_422_and_adds_no_table(target, client):
    place = await owner_with_restaurant(client, target.secrets, tables=1)
    rid, owner = place["rid"], place["owner"]
    r = await client.post(
        f"/v1/restaurants/{rid}/tables/batch",
        json={"tables": [{"label": "T\u00009", "capacity": 2, "kind": "table"}]},
        headers=owner,
    )
    tables = await client.get(f"/v1/restaurants/{rid}/tables", headers=owner)
    assert len(tables.json()["items"]) == 1
    assert r.status_code == 422, r.text


async def test_a_nul_character_in_a_login_email_is_refused_not_500(client):
    r = await client.post(
        "/v1/auth/token", json={"email": "a\u0000b@example.com", "password": "whatever-long"}
    )
    assert r.status_code in (401, 422), r.text


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_slots_on_the_last_and_first_day_of_the_calendar_are_not_500(target, client, day):
    place = await owner_with_restaurant(client, target.secrets, tables=1)
    r = await client.get(
        f"/v1/restaurants/{place['rid']}/slots", params={"date": day, "party_size": "2"}
    )
    assert r.status_code in (200, 422), r.text
