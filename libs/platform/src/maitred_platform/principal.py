"""The verified staff principal the gateway forwards to services, as a short-lived signed JWT.

One format, one signer, one verifier: the gateway signs, every service verifies.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

import jwt

HEADER = "X-Maitred-Principal"
AUDIENCE = "maitred-internal"
ISSUER = "maitred-gateway"
ALGORITHM = "HS256"
Role = Literal["owner", "host"]


class InvalidPrincipal(Exception):
    """The principal header is missing, forged or expired."""


@dataclass(frozen=True)
class Principal:
    staff_id: uuid.UUID
    memberships: dict[uuid.UUID, Role] = field(default_factory=dict)

    def role_in(self, restaurant_id: uuid.UUID) -> Role | None:
        return self.memberships.get(restaurant_id)

    def is_staff_of(self, restaurant_id: uuid.UUID) -> bool:
        return restaurant_id in self.memberships

    def is_owner_of(self, restaurant_id: uuid.UUID) -> bool:
        return self.memberships.get(restaurant_id) == "owner"


def sign_principal(principal: Principal, key: str, ttl_seconds: int = 60) -> str:
    now = int(time.time())
    claims = {
        "sub": str(principal.staff_id),
        "mem": {str(rid): role for rid, role in principal.memberships.items()},
        "iat": now,
        "exp": now + ttl_seconds,
        "aud": AUDIENCE,
        "iss": ISSUER,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_principal(header_value: str | None, key: str) -> Principal:
    if not header_value:
        raise InvalidPrincipal("missing principal header")
    try:
        claims = jwt.decode(
            header_value,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
        memberships = {uuid.UUID(rid): role for rid, role in dict(claims.get("mem", {})).items()}
        return Principal(staff_id=uuid.UUID(claims["sub"]), memberships=memberships)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidPrincipal(str(exc)) from exc
