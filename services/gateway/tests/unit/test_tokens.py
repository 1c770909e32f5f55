"""Staff JWTs: the algorithm is pinned, claims are required, keys rotate by key id."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from gateway.domain.tokens import InvalidToken, KeyRing, issue_token, looks_like_jwt, verify_token

RING = KeyRing(current_kid="k2", current_secret="s" * 40, previous={"k1": "o" * 40})


def test_issued_token_verifies_to_its_staff() -> None:
    staff = uuid.uuid4()
    verified = verify_token(RING, issue_token(RING, staff, 60))
    assert verified.staff_id == staff


def test_token_signed_with_a_previous_key_still_verifies_after_rotation() -> None:
    old_ring = KeyRing(current_kid="k1", current_secret="o" * 40)
    staff = uuid.uuid4()
    assert verify_token(RING, issue_token(old_ring, staff, 60)).staff_id == staff


@pytest.mark.parametrize(
    "token",
    [
        issue_token(RING, uuid.uuid4(), -10),  # expired
        issue_token(KeyRing("k2", "w" * 40), uuid.uuid4(), 60),  # wrong key, same kid
        issue_token(KeyRing("k9", "s" * 40), uuid.uuid4(), 60),  # unknown kid
        issue_token(KeyRing("k2", "s" * 40, audience="other"), uuid.uuid4(), 60),
        issue_token(KeyRing("k2", "s" * 40, issuer="other"), uuid.uuid4(), 60),
        jwt.encode({"sub": str(uuid.uuid4()), "exp": time.time() + 60}, None, algorithm="none"),
        "not.a.jwt",
    ],
    ids=["expired", "wrong_key", "unknown_kid", "wrong_aud", "wrong_iss", "alg_none", "garbage"],
)
def test_bad_tokens_do_not_verify(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(RING, token)


def test_tampered_payload_does_not_verify() -> None:
    header, payload, signature = issue_token(RING, uuid.uuid4(), 60).split(".")
    with pytest.raises(InvalidToken):
        verify_token(RING, f"{header}.{payload[:-3]}abc.{signature}")


def test_diner_tokens_do_not_look_like_jwts() -> None:
    assert not looks_like_jwt("pty_" + "A" * 43)
    assert not looks_like_jwt("bk_abc-def_ghi")
    assert looks_like_jwt(issue_token(RING, uuid.uuid4(), 60))
    assert looks_like_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
