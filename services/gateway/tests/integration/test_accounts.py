"""Staff accounts through the gateway: register, log in, who am I, members."""

from __future__ import annotations

import time
import uuid

import jwt

from tests.conftest import RunningGateway, StandIn, new_restaurant, new_staff


async def test_registered_staff_logs_in_and_sees_itself(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        email = f"Alex-{uuid.uuid4().hex[:8]}@Example.com"
        created = await client.post(
            "/v1/auth/register",
            json={"email": email, "password": "a long enough pass", "name": "Alex"},
        )
        assert created.status_code == 201
        assert created.json() == {
            "id": created.json()["id"],
            "email": email.lower(),
            "name": "Alex",
        }
        token = await client.post(
            "/v1/auth/token", json={"email": email, "password": "a long enough pass"}
        )
        assert token.status_code == 200
        body = token.json()
        assert body["token_type"] == "bearer" and body["expires_in"] > 0
        me = await client.get(
            "/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json() == {
            "id": created.json()["id"],
            "email": email.lower(),
            "name": "Alex",
            "memberships": [],
        }


async def test_second_registration_with_same_email_is_a_conflict(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        again = await client.post(
            "/v1/auth/register",
            json={"email": staff.email.upper(), "password": "another long pass", "name": "B"},
        )
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"


async def test_short_password_is_refused_with_field_error(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        answer = await client.post(
            "/v1/auth/register",
            json={
                "email": f"x{uuid.uuid4().hex[:6]}@example.com",
                "password": "short",
                "name": "X",
            },
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "password"


async def test_wrong_password_and_unknown_email_are_the_same_401(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        wrong = await client.post(
            "/v1/auth/token", json={"email": staff.email, "password": "not the password"}
        )
        unknown = await client.post(
            "/v1/auth/token", json={"email": "nobody@example.com", "password": "whatever pass"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_creator_of_a_restaurant_becomes_its_owner(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        rid = await new_restaurant(client, staff)
        me = await client.get("/v1/auth/me", headers=staff.headers)
        assert me.json()["memberships"] == [{"restaurant_id": rid, "role": "owner"}]


async def test_a_retried_creation_replays_the_first_restaurant_and_its_owner_may_use_it(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        headers = {**staff.headers, "Idempotency-Key": uuid.uuid4().hex}
        before = len(stand_ins["reservations"].seen)
        first = await client.post("/v1/restaurants", json={"name": "Chez"}, headers=headers)
        again = await client.post("/v1/restaurants", json={"name": "Chez"}, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        assert len(stand_ins["reservations"].seen) == before + 1
        rid = first.json()["id"]
        me = await client.get("/v1/auth/me", headers=staff.headers)
        assert me.json()["memberships"] == [{"restaurant_id": rid, "role": "owner"}]
        tables = await client.get(f"/v1/restaurants/{rid}/tables", headers=staff.headers)
        assert tables.status_code == 200


async def test_owner_adds_a_host_who_then_sees_the_restaurant(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        owner = await new_staff(client)
        host = await new_staff(client)
        rid = await new_restaurant(client, owner)
        added = await client.post(
            f"/v1/restaurants/{rid}/members",
            json={"email": host.email, "role": "host"},
            headers=owner.headers,
        )
        assert added.status_code == 201
        assert added.json()["role"] == "host" and added.json()["staff_id"] == host.id
        me = await client.get("/v1/auth/me", headers=host.headers)
        assert me.json()["memberships"] == [{"restaurant_id": rid, "role": "host"}]
        # A host may not add members; an unknown e-mail is a 404.
        by_host = await client.post(
            f"/v1/restaurants/{rid}/members",
            json={"email": owner.email, "role": "host"},
            headers=host.headers,
        )
        assert by_host.status_code == 403
        unknown = await client.post(
            f"/v1/restaurants/{rid}/members",
            json={"email": "ghost@example.com", "role": "host"},
            headers=owner.headers,
        )
        assert unknown.status_code == 404


async def test_members_of_another_restaurant_is_not_found(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        owner = await new_staff(client)
        stranger = await new_staff(client)
        rid = await new_restaurant(client, owner)
        answer = await client.post(
            f"/v1/restaurants/{rid}/members",
            json={"email": stranger.email, "role": "owner"},
            headers=stranger.headers,
        )
        assert answer.status_code == 404


def _forged(gateway: RunningGateway, staff_id: str, **changes: object) -> str:
    settings = gateway.settings
    now = int(time.time())
    claims = {
        "sub": staff_id,
        "iat": now,
        "exp": now + 600,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    key = str(changes.pop("key", settings.jwt_secret))
    kid = str(changes.pop("kid", settings.jwt_key_id))
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})


async def test_bad_tokens_are_refused_with_401(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        rid = await new_restaurant(client, staff)
        header, payload, signature = staff.token.split(".")
        unsigned = jwt.encode(
            {"sub": staff.id, "aud": "maitred-api", "iss": "maitred-gateway", "exp": 9999999999},
            None,
            algorithm="none",
        )
        bad = {
            "expired": _forged(gateway, staff.id, exp=int(time.time()) - 10),
            "tampered": f"{header}.{payload[:-2]}AA.{signature}",
            "alg_none": unsigned,
            "wrong_audience": _forged(gateway, staff.id, aud="someone-else"),
            "wrong_key": _forged(gateway, staff.id, key="x" * 40),
            "unknown_kid": _forged(gateway, staff.id, kid="old"),
        }
        for name, token in bad.items():
            auth = {"Authorization": f"Bearer {token}"}
            me = await client.get("/v1/auth/me", headers=auth)
            assert me.status_code == 401, name
            # The same on a routed call and on a public one: never passed on as a diner token.
            tables = await client.get(f"/v1/restaurants/{rid}/tables", headers=auth)
            assert tables.status_code == 401, name
            public = await client.get(f"/v1/restaurants/{rid}", headers=auth)
            assert public.status_code == 401, name
