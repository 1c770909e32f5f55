"""Staff access tokens: HS256 JWTs with a key id, so keys can rotate without logging anyone out.

The algorithm is pinned: a token whose header names another algorithm (`none`, RS256...)
is refused before any key is tried.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field

import jwt

ALGORITHM = "HS256"
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class InvalidToken(Exception):
    """The bearer value is a JWT that does not verify (expired, tampered, wrong key...)."""


@dataclass(frozen=True)
class KeyRing:
    current_kid: str
    current_secret: str
    previous: dict[str, str] = field(default_factory=dict)
    audience: str = "maitred-api"
    issuer: str = "maitred-gateway"

    def secret_for(self, kid: str) -> str | None:
        if kid == self.current_kid:
            return self.current_secret
        return self.previous.get(kid)


@dataclass(frozen=True)
class StaffToken:
    staff_id: uuid.UUID
    expires_at: int


def looks_like_jwt(value: str) -> bool:
    """Party and manage tokens have no dots; anything shaped like a JWT must verify as one."""
    return bool(_JWT_SHAPE.match(value))


def issue_token(
    ring: KeyRing, staff_id: uuid.UUID, ttl_seconds: int, now: int | None = None
) -> str:
    issued = int(time.time()) if now is None else now
    claims = {
        "sub": str(staff_id),
        "iat": issued,
        "exp": issued + ttl_seconds,
        "aud": ring.audience,
        "iss": ring.issuer,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        claims, ring.current_secret, algorithm=ALGORITHM, headers={"kid": ring.current_kid}
    )


def verify_token(ring: KeyRing, token: str) -> StaffToken:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("unreadable token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("algorithm not allowed")
    secret = ring.secret_for(str(header.get("kid", "")))
    if secret is None:
        raise InvalidToken("unknown key id")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=ring.audience,
            issuer=ring.issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
        return StaffToken(staff_id=uuid.UUID(str(claims["sub"])), expires_at=int(claims["exp"]))
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
