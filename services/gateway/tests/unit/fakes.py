"""The gateway's unit of work in memory: use cases run without Postgres."""

from __future__ import annotations

import uuid

from gateway.domain.accounts import Role, Staff
from maitred_messaging.unit_of_work import FakeUnitOfWork


class InMemoryAccounts:
    """The `Accounts` repository as dictionaries (e-mails are stored lower-cased, as in SQL)."""

    def __init__(self) -> None:
        self.staff: dict[uuid.UUID, Staff] = {}
        self.roles: dict[tuple[uuid.UUID, uuid.UUID], Role] = {}

    async def add(self, account: Staff) -> bool:
        if await self.by_email(account.email) is not None:
            return False
        self.staff[account.id] = account
        return True

    async def by_email(self, email: str) -> Staff | None:
        return next((s for s in self.staff.values() if s.email == email), None)

    async def by_id(self, staff_id: uuid.UUID) -> Staff | None:
        return self.staff.get(staff_id)

    async def set_password_hash(self, staff_id: uuid.UUID, password_hash: str) -> None:
        account = self.staff[staff_id]
        self.staff[staff_id] = Staff(account.id, account.email, account.name, password_hash)

    async def memberships_of(self, staff_id: uuid.UUID) -> dict[uuid.UUID, Role] | None:
        if staff_id not in self.staff:
            return None
        return {rid: role for (sid, rid), role in self.roles.items() if sid == staff_id}

    async def set_role(self, staff_id: uuid.UUID, restaurant_id: uuid.UUID, role: Role) -> None:
        self.roles[(staff_id, restaurant_id)] = role


class FakeGatewayUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.accounts = InMemoryAccounts()
