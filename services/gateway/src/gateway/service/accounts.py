"""Use cases of staff accounts: register, log in, who am I, add a member."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.domain.accounts import (
    Role,
    Staff,
    email_problem,
    normalize_email,
    password_problem,
)
from gateway.domain.tokens import KeyRing, issue_token
from gateway.service.commands import AddMember, LogIn, Register
from gateway.service.unit_of_work import GatewayUnitOfWork
from maitred_platform.access import require_staff
from maitred_platform.problems import Problem

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0123456789")


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    name: str


@dataclass(frozen=True)
class Profile:
    account: Account
    memberships: dict[uuid.UUID, Role]


@dataclass(frozen=True)
class Member:
    restaurant_id: uuid.UUID
    staff_id: uuid.UUID
    email: str
    name: str
    role: Role


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


async def register(uow: GatewayUnitOfWork, command: Register) -> Account:
    email = normalize_email(command.email)
    errors = []
    if problem := email_problem(email):
        errors.append({"field": "email", "message": problem})
    if problem := password_problem(command.password, email):
        errors.append({"field": "password", "message": problem})
    if not command.name.strip():
        errors.append({"field": "name", "message": "Enter a name."})
    if errors:
        raise Problem(422, "The account cannot be created as given.", errors=errors)
    # Hashed before the transaction begins: no connection is held while argon2 works.
    password_hash = await asyncio.to_thread(_hasher.hash, command.password)
    account = Staff(uuid.uuid4(), email, command.name.strip(), password_hash)
    async with uow:
        if not await uow.accounts.add(account):
            raise Problem(409, "An account with this e-mail already exists.")
        await uow.commit()
    return _account(account)


async def log_in(
    uow: GatewayUnitOfWork, ring: KeyRing, ttl_seconds: int, command: LogIn
) -> IssuedToken:
    async with uow:
        account = await uow.accounts.by_email(normalize_email(command.email))
    stored = account.password_hash if account else _DUMMY_HASH
    if not await asyncio.to_thread(_verify, stored, command.password) or account is None:
        raise Problem(
            401, "The e-mail or password is not right.", headers={"WWW-Authenticate": "Bearer"}
        )
    if _hasher.check_needs_rehash(account.password_hash):
        new_hash = await asyncio.to_thread(_hasher.hash, command.password)
        async with uow:
            await uow.accounts.set_password_hash(account.id, new_hash)
            await uow.commit()
    return IssuedToken(issue_token(ring, account.id, ttl_seconds), ttl_seconds)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def profile(uow: GatewayUnitOfWork, staff_id: uuid.UUID) -> Profile:
    async with uow:
        account = await uow.accounts.by_id(staff_id)
        memberships = await uow.accounts.memberships_of(staff_id)
    if account is None or memberships is None:
        raise Problem(401, "The account no longer exists.")
    return Profile(_account(account), memberships)


async def add_member(uow: GatewayUnitOfWork, command: AddMember) -> Member:
    """Owner only: gives an existing account a role in the restaurant (404 for others)."""
    require_staff(command.caller, command.restaurant_id, role="owner")
    async with uow:
        member = await uow.accounts.by_email(normalize_email(command.email))
        if member is None:
            raise Problem(404, "No staff account has this e-mail; ask them to register first.")
        await uow.accounts.set_role(member.id, command.restaurant_id, command.role)
        await uow.commit()
    return Member(command.restaurant_id, member.id, member.email, member.name, command.role)


def _account(staff: Staff) -> Account:
    return Account(staff.id, staff.email, staff.name)
