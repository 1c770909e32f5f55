"""The internal principal header: the one way a service learns who the staff caller is."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from maitred_platform.deps import CurrentStaff, OptionalStaff
from maitred_platform.principal import (
    AUDIENCE,
    HEADER,
    ISSUER,
    InvalidPrincipal,
    Principal,
    sign_principal,
    verify_principal,
)
from maitred_platform.problems import install_problem_handlers

KEY = "k" * 40
RESTAURANT = uuid.uuid4()


def staff() -> Principal:
    return Principal(staff_id=uuid.uuid4(), memberships={RESTAURANT: "owner"})


def test_signed_principal_round_trips_with_memberships():
    principal = staff()
    verified = verify_principal(sign_principal(principal, KEY), KEY)
    assert verified == principal
    assert verified.is_owner_of(RESTAURANT)
    assert not verified.is_staff_of(uuid.uuid4())


def test_missing_header_is_rejected():
    with pytest.raises(InvalidPrincipal):
        verify_principal(None, KEY)


def test_header_signed_with_another_key_is_rejected():
    forged = sign_principal(staff(), "x" * 40)
    with pytest.raises(InvalidPrincipal):
        verify_principal(forged, KEY)


def test_header_with_edited_claims_is_rejected():
    token = sign_principal(staff(), KEY)
    header, _, signature = token.split(".")
    tampered = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "mem": {}}, "other-key-" * 4
    ).split(".")[1]
    with pytest.raises(InvalidPrincipal):
        verify_principal(f"{header}.{tampered}.{signature}", KEY)


def test_expired_header_is_rejected():
    expired = sign_principal(staff(), KEY, ttl_seconds=-5)
    with pytest.raises(InvalidPrincipal):
        verify_principal(expired, KEY)


def test_unsigned_alg_none_header_is_rejected():
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "iat": now, "exp": now + 60, "aud": AUDIENCE, "iss": ISSUER}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(InvalidPrincipal):
        verify_principal(unsigned, KEY)


def app() -> TestClient:
    api = FastAPI()
    install_problem_handlers(api)

    class State:
        internal_key = KEY

    api.state.settings = State()

    @api.get("/staff-only")
    async def staff_only(principal: CurrentStaff) -> dict[str, str]:
        return {"staff_id": str(principal.staff_id)}

    @api.get("/anyone")
    async def anyone(principal: OptionalStaff) -> dict[str, bool]:
        return {"staff": principal is not None}

    return TestClient(api)


def test_route_needing_staff_answers_401_problem_without_header():
    response = app().get("/staff-only")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_route_needing_staff_answers_401_for_forged_header_and_200_for_signed():
    client = app()
    forged = client.get("/staff-only", headers={HEADER: sign_principal(staff(), "y" * 40)})
    assert forged.status_code == 401
    principal = staff()
    ok = client.get("/staff-only", headers={HEADER: sign_principal(principal, KEY)})
    assert ok.status_code == 200
    assert ok.json() == {"staff_id": str(principal.staff_id)}


def test_public_route_treats_missing_header_as_anonymous_but_forged_as_401():
    client = app()
    assert client.get("/anyone").json() == {"staff": False}
    assert client.get("/anyone", headers={HEADER: "garbage"}).status_code == 401
