"""The gateway's own staff checks: 404 to a caller who is not a member of the restaurant (the
same answer as for a restaurant that does not exist), 403 to a member whose role is not enough."""

from __future__ import annotations

import uuid

from tests.conftest import RunningGateway, new_restaurant, new_staff

PROBLEM = "application/problem+json"


async def test_adding_a_member_is_404_for_a_non_member_and_403_for_a_host(
    gateway: RunningGateway,
) -> None:
    async with gateway.client() as client:
        owner, host, outsider = [await new_staff(client) for _ in range(3)]
        rid = await new_restaurant(client, owner)
        url = f"/v1/restaurants/{rid}/members"
        added = await client.post(
            url, json={"email": host.email, "role": "host"}, headers=owner.headers
        )
        assert added.status_code == 201
        body = {"email": outsider.email, "role": "owner"}

        as_outsider = await client.post(url, json=body, headers=outsider.headers)
        elsewhere = await client.post(
            f"/v1/restaurants/{uuid.uuid4()}/members", json=body, headers=outsider.headers
        )
        as_host = await client.post(url, json=body, headers=host.headers)

        assert as_outsider.status_code == 404
        assert as_outsider.headers["content-type"] == PROBLEM
        # Nothing in the answer tells the outsider that the restaurant exists.
        assert as_outsider.json() == elsewhere.json()
        assert as_host.status_code == 403
        assert as_host.headers["content-type"] == PROBLEM
        me = await client.get("/v1/auth/me", headers=outsider.headers)
        assert me.json()["memberships"] == []


async def test_a_staff_route_of_another_restaurant_is_404_before_any_service_is_asked(
    gateway: RunningGateway,
) -> None:
    async with gateway.client() as client:
        owner, outsider = await new_staff(client), await new_staff(client)
        rid = await new_restaurant(client, owner)

        theirs = await client.get(f"/v1/restaurants/{rid}/tables", headers=outsider.headers)
        nowhere = await client.get(
            f"/v1/restaurants/{uuid.uuid4()}/tables", headers=outsider.headers
        )

        assert theirs.status_code == 404
        assert theirs.json() == nowhere.json()
