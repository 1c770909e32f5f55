"""Staff and memberships in the gateway schema: the accounts repository on one session."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.orm import memberships, staff
from gateway.domain.accounts import Role, Staff


class SqlAccounts:
    """The `Accounts` of `service/unit_of_work.py`, on Postgres."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, account: Staff) -> bool:
        """Inserts the account; False when the e-mail is already registered."""
        result = await self.session.execute(
            insert(staff)
            .values(
                id=account.id,
                email=account.email,
                name=account.name,
                password_hash=account.password_hash,
            )
            .on_conflict_do_nothing(index_elements=[staff.c.email])
            .returning(staff.c.id)
        )
        return result.first() is not None

    async def by_email(self, email: str) -> Staff | None:
        row = (await self.session.execute(select(staff).where(staff.c.email == email))).first()
        return _staff(row) if row else None

    async def by_id(self, staff_id: uuid.UUID) -> Staff | None:
        row = (await self.session.execute(select(staff).where(staff.c.id == staff_id))).first()
        return _staff(row) if row else None

    async def set_password_hash(self, staff_id: uuid.UUID, password_hash: str) -> None:
        await self.session.execute(
            staff.update().where(staff.c.id == staff_id).values(password_hash=password_hash)
        )

    async def memberships_of(self, staff_id: uuid.UUID) -> dict[uuid.UUID, Role] | None:
        """The staff member's restaurants and roles; None when the account does not exist."""
        rows = (
            await self.session.execute(
                select(staff.c.id, memberships.c.restaurant_id, memberships.c.role)
                .select_from(staff.outerjoin(memberships, memberships.c.staff_id == staff.c.id))
                .where(staff.c.id == staff_id)
            )
        ).all()
        if not rows:
            return None
        return {row.restaurant_id: cast(Role, row.role) for row in rows if row.restaurant_id}

    async def set_role(self, staff_id: uuid.UUID, restaurant_id: uuid.UUID, role: Role) -> None:
        """Makes the account a member of the restaurant with this role (a new one or a change)."""
        await self.session.execute(
            insert(memberships)
            .values(staff_id=staff_id, restaurant_id=restaurant_id, role=role)
            .on_conflict_do_update(
                index_elements=[memberships.c.staff_id, memberships.c.restaurant_id],
                set_={"role": role},
            )
        )


def _staff(row: Any) -> Staff:
    return Staff(id=row.id, email=row.email, name=row.name, password_hash=row.password_hash)
