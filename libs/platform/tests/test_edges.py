"""Problem responses, phone validation, log masking and settings safety."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from maitred_platform.credentials import hash_token, new_token, seal, token_matches, unseal
from maitred_platform.logs import configure_logging, get_logger
from maitred_platform.phones import E164Phone, mask_phone
from maitred_platform.problems import Problem, install_problem_handlers
from maitred_platform.settings import DEV_INTERNAL_KEY, ServiceSettings


class Join(BaseModel):
    name: str
    phone: E164Phone | None = None


def client() -> TestClient:
    api = FastAPI()
    install_problem_handlers(api)

    @api.post("/join")
    async def join(body: Join) -> dict[str, str | None]:
        return {"phone": body.phone}

    @api.get("/conflict")
    async def conflict() -> None:
        raise Problem(409, "That party is already waiting.")

    @api.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return TestClient(api, raise_server_exceptions=False)


def test_validation_error_is_422_problem_naming_the_field():
    response = client().post("/join", json={"name": "Ada", "phone": "555-1234"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["title"]
    assert any(e["field"] == "phone" for e in body["errors"])


def test_malformed_json_is_400_problem():
    response = client().post(
        "/join", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_raised_problem_keeps_status_and_detail():
    response = client().get("/conflict")
    assert response.status_code == 409
    assert response.json()["detail"] == "That party is already waiting."


def test_unexpected_error_is_500_problem_without_internals():
    response = client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text


def test_phone_is_normalized_to_e164_and_invalid_numbers_refused():
    assert Join(name="a", phone="+44 20 7946 0958").phone == "+442079460958"
    with pytest.raises(ValidationError):
        Join(name="a", phone="+1 555")
    assert mask_phone("+14155550123") == "+14…23"


def test_tokens_are_random_hashed_and_sealable():
    token = new_token("pty")
    assert token.startswith("pty_") and token != new_token("pty")
    assert token_matches(token, hash_token(token))
    assert not token_matches(token + "x", hash_token(token))
    sealed = seal(token, DEV_INTERNAL_KEY)
    assert token not in sealed
    assert unseal(sealed, DEV_INTERNAL_KEY) == token
    assert unseal(sealed, "another-key-that-is-long-enough-000") is None


def test_logs_are_json_and_never_carry_a_phone_or_token_in_clear():
    configure_logging("test")
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    get_logger("t").info(
        "joined +14155550123", phone="+14155550123", party_token="pty_secret", note="Bearer abc.def"
    )
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    text = json.dumps(line)
    assert "+14155550123" not in text
    assert "pty_secret" not in text
    assert "abc.def" not in text
    assert line["service"] == "test"


def test_production_refuses_the_placeholder_internal_key():
    with pytest.raises(ValidationError):
        ServiceSettings(environment="production")
    assert ServiceSettings(environment="production", internal_key="z" * 40).internal_key


def test_exhausted_connection_pool_is_503_with_retry_after():
    import sqlalchemy.exc

    api = FastAPI()
    install_problem_handlers(api)

    @api.get("/busy")
    async def busy() -> None:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    response = TestClient(api, raise_server_exceptions=False).get("/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"


def test_database_outage_answer_keeps_the_connection_usable():
    """A 503 for a lost database is handled like any answer, not re-raised to the server."""
    import asyncpg

    api = FastAPI()
    install_problem_handlers(api)

    @api.get("/lost")
    async def lost() -> None:
        raise ConnectionError("unexpected connection_lost() call")

    @api.get("/refused")
    async def refused() -> None:
        raise asyncpg.CannotConnectNowError("the database system is starting up")

    # raise_server_exceptions=True: anything re-raised past the handler fails this test.
    client = TestClient(api)
    for path in ("/lost", "/refused"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["retry-after"] == "2"


def test_a_value_postgres_refuses_is_422_not_500():
    import asyncpg
    import sqlalchemy.exc

    api = FastAPI()
    install_problem_handlers(api)

    @api.get("/nul")
    async def nul() -> None:
        try:
            raise asyncpg.CharacterNotInRepertoireError("invalid byte sequence: 0x00")
        except asyncpg.DataError as exc:
            raise sqlalchemy.exc.DBAPIError("INSERT", {}, exc) from exc

    response = TestClient(api).get("/nul")
    assert response.status_code == 422
