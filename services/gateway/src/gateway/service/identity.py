"""Who is calling: a verified staff member (with memberships), a diner token, or nobody.

Memberships are read per request but kept in process for a few seconds, so a busy host
console does not cost a database query per call; a change made here is seen at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.accounts import SqlAccounts
from gateway.domain.accounts import Role
from gateway.domain.tokens import InvalidToken, KeyRing, looks_like_jwt, verify_token
from maitred_platform.principal import Principal, sign_principal
from maitred_platform.problems import Problem

_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class StaffIdentity:
    staff_id: uuid.UUID
    memberships: dict[uuid.UUID, Role]
    principal_header: str
    token_expires_at: int

    def is_staff_of(self, restaurant_id: uuid.UUID | None) -> bool:
        return restaurant_id is not None and restaurant_id in self.memberships

    @property
    def principal(self) -> Principal:
        return Principal(self.staff_id, self.memberships)


@dataclass(frozen=True)
class Caller:
    staff: StaffIdentity | None
    diner_token: str | None
    ip: str


def bearer_of(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return value


class Identities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ring: KeyRing,
        internal_key: str,
        cache_seconds: float,
    ) -> None:
        self.sessions = sessions
        self.ring = ring
        self.internal_key = internal_key
        self.cache_seconds = cache_seconds
        self._cache: dict[uuid.UUID, tuple[float, dict[uuid.UUID, Role], str]] = {}

    async def caller(self, authorization: str | None, ip: str) -> Caller:
        token = bearer_of(authorization)
        if token is None:
            return Caller(None, None, ip)
        if not looks_like_jwt(token):
            return Caller(None, token, ip)
        return Caller(await self.staff(token), None, ip)

    async def staff(self, token: str) -> StaffIdentity:
        """Verifies a staff JWT; any failure is a 401 at the gateway."""
        try:
            verified = verify_token(self.ring, token)
        except InvalidToken as exc:
            raise Problem(
                401,
                "The access token is not valid; log in again.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        memberships, header = await self._memberships(verified.staff_id)
        return StaffIdentity(verified.staff_id, memberships, header, verified.expires_at)

    async def _memberships(self, staff_id: uuid.UUID) -> tuple[dict[uuid.UUID, Role], str]:
        now = time.monotonic()
        cached = self._cache.get(staff_id)
        if cached and cached[0] > now:
            return cached[1], cached[2]
        async with self.sessions() as session:
            memberships = await SqlAccounts(session).memberships_of(staff_id)
        if memberships is None:
            raise Problem(401, "The account no longer exists.")
        # The header lives 60 s; the cache entry far less, so a cached header is always fresh.
        header = sign_principal(Principal(staff_id, memberships), self.internal_key)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[staff_id] = (now + self.cache_seconds, memberships, header)
        return memberships, header

    async def with_fresh_memberships(
        self, caller: Caller, restaurant_id: uuid.UUID | None
    ) -> Caller:
        """Reloads a staff caller's memberships when the cached ones lack this restaurant.

        The cache may predate a membership made a moment ago (a restaurant just created, a
        host just added, possibly through another gateway instance): a miss is never final.
        """
        staff = caller.staff
        if staff is None or restaurant_id is None or staff.is_staff_of(restaurant_id):
            return caller
        self.forget(staff.staff_id)
        memberships, header = await self._memberships(staff.staff_id)
        fresh = StaffIdentity(staff.staff_id, memberships, header, staff.token_expires_at)
        return Caller(fresh, caller.diner_token, caller.ip)

    def forget(self, staff_id: uuid.UUID) -> None:
        self._cache.pop(staff_id, None)

    def system_header(self) -> str:
        """The principal the gateway signs for its own internal calls (no memberships)."""
        return sign_principal(Principal(uuid.UUID(int=0), {}), self.internal_key)
