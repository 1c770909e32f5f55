"""The gateway's unit of work: one transaction on its schema, with the accounts repository.

The gateway raises no domain events (it publishes nothing), so nothing is translated: the
outbox of its schema stays empty.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.accounts import SqlAccounts
from gateway.domain.accounts import Role, Staff
from maitred_messaging.unit_of_work import SqlUnitOfWork


class Accounts(Protocol):
    """Staff accounts and their memberships (Postgres: `SqlAccounts`; tests: in memory)."""

    async def add(self, account: Staff) -> bool:
        """Stores a new account; False when the e-mail is already registered."""
        ...

    async def by_email(self, email: str) -> Staff | None: ...

    async def by_id(self, staff_id: uuid.UUID) -> Staff | None: ...

    async def set_password_hash(self, staff_id: uuid.UUID, password_hash: str) -> None: ...

    async def memberships_of(self, staff_id: uuid.UUID) -> dict[uuid.UUID, Role] | None:
        """Restaurant -> role; None when the account does not exist."""
        ...

    async def set_role(self, staff_id: uuid.UUID, restaurant_id: uuid.UUID, role: Role) -> None:
        """Makes the account a member of the restaurant with this role (new or changed)."""
        ...


class GatewayUnitOfWork(SqlUnitOfWork):
    accounts: Accounts

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | AsyncSession) -> None:
        super().__init__(sessions)

    def _start(self) -> None:
        self.accounts = SqlAccounts(self.session)
