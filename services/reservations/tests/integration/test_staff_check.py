"""The staff check on a restaurant's routes: 404 to a caller who is not a member (the same
answer as for a restaurant that does not exist), 403 to a member whose role is not enough."""

from __future__ import annotations

import uuid

import httpx

from .conftest import Staff, open_restaurant

TABLE = {"label": "T9", "capacity": 2}


async def test_adding_a_table_is_404_for_a_non_member_and_403_for_a_host(
    client: httpx.AsyncClient, owner: Staff, outsider: Staff
) -> None:
    restaurant = await open_restaurant(client, owner, capacities=())
    url = f"/v1/restaurants/{restaurant['id']}/tables"
    host = Staff(owner.key)
    host.memberships[uuid.UUID(restaurant["id"])] = "host"
    unknown = uuid.uuid4()
    member_of_unknown = Staff(owner.key)
    member_of_unknown.memberships[unknown] = "owner"

    as_outsider = await client.post(url, json=TABLE, headers=outsider.headers())
    as_host = await client.post(url, json=TABLE, headers=host.headers())
    no_such_restaurant = await client.post(
        f"/v1/restaurants/{unknown}/tables", json=TABLE, headers=member_of_unknown.headers()
    )

    assert as_outsider.status_code == 404
    assert as_outsider.headers["content-type"] == "application/problem+json"
    # Nothing in the answer tells the outsider that the restaurant exists.
    assert as_outsider.json() == no_such_restaurant.json()
    assert as_host.status_code == 403
    assert as_host.headers["content-type"] == "application/problem+json"
    listed = await client.get(url, headers=host.headers())
    assert listed.status_code == 200
    assert listed.json()["items"] == []
