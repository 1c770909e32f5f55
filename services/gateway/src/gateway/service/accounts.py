"""Use cases of staff accounts: register, log in, who am I, add a member."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters import accounts as repo
from gateway.domain.accounts import (
    Role,
    Staff,
    email_problem,
    normalize_email,
    password_problem,
)
from gateway.domain.tokens import KeyRing, issue_token
from maitred_platform.access import require_staff
from maitred_platform.db import transaction
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0123456789")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


async def register(
    sessions: async_sessionmaker[AsyncSession], email: str, password: str, name: str
) -> Staff:
    email = normalize_email(email)
    errors = []
    if problem := email_problem(email):
        errors.append({"field": "email", "message": problem})
    if problem := password_problem(password, email):
        errors.append({"field": "password", "message": problem})
    if not name.strip():
        errors.append({"field": "name", "message": "Enter a name."})
    if errors:
        raise Problem(422, "The account cannot be created as given.", errors=errors)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    account = Staff(id=uuid.uuid4(), email=email, name=name.strip(), password_hash=password_hash)
    async with transaction(sessions) as session:
        if not await repo.add_staff(session, account):
            raise Problem(409, "An account with this e-mail already exists.")
    return account


async def log_in(
    sessions: async_sessionmaker[AsyncSession],
    ring: KeyRing,
    ttl_seconds: int,
    email: str,
    password: str,
) -> IssuedToken:
    async with sessions() as session:
        account = await repo.staff_by_email(session, normalize_email(email))
    stored = account.password_hash if account else _DUMMY_HASH
    if not await asyncio.to_thread(_verify, stored, password) or account is None:
        raise Problem(
            401, "The e-mail or password is not right.", headers={"WWW-Authenticate": "Bearer"}
        )
    if _hasher.check_needs_rehash(account.password_hash):
        new_hash = await asyncio.to_thread(_hasher.hash, password)
        async with transaction(sessions) as session:
            await repo.set_password_hash(session, account.id, new_hash)
    return IssuedToken(issue_token(ring, account.id, ttl_seconds), ttl_seconds)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def profile(
    sessions: async_sessionmaker[AsyncSession], staff_id: uuid.UUID
) -> tuple[Staff, dict[uuid.UUID, Role]]:
    async with sessions() as session:
        account = await repo.staff_by_id(session, staff_id)
        memberships = await repo.memberships_of(session, staff_id)
    if account is None or memberships is None:
        raise Problem(401, "The account no longer exists.")
    return account, memberships


async def add_member(
    sessions: async_sessionmaker[AsyncSession],
    caller: Principal,
    restaurant_id: uuid.UUID,
    email: str,
    role: Role,
) -> Staff:
    require_staff(caller, restaurant_id, role="owner")
    async with transaction(sessions) as session:
        member = await repo.staff_by_email(session, normalize_email(email))
        if member is None:
            raise Problem(404, "No staff account has this e-mail; ask them to register first.")
        await repo.add_member(session, member.id, restaurant_id, role)
    return member


async def record_owner(
    sessions: async_sessionmaker[AsyncSession], staff_id: uuid.UUID, restaurant_id: uuid.UUID
) -> None:
    async with transaction(sessions) as session:
        await repo.make_owner(session, staff_id, restaurant_id)
