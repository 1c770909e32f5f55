"""Staff and memberships in the gateway schema."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.orm import memberships, staff
from gateway.domain.accounts import Role, Staff


async def add_staff(session: AsyncSession, account: Staff) -> bool:
    """Inserts the account; False when the e-mail is already registered."""
    result = await session.execute(
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


async def staff_by_email(session: AsyncSession, email: str) -> Staff | None:
    row = (await session.execute(select(staff).where(staff.c.email == email))).first()
    return _staff(row) if row else None


async def staff_by_id(session: AsyncSession, staff_id: uuid.UUID) -> Staff | None:
    row = (await session.execute(select(staff).where(staff.c.id == staff_id))).first()
    return _staff(row) if row else None


async def set_password_hash(session: AsyncSession, staff_id: uuid.UUID, password_hash: str) -> None:
    await session.execute(
        staff.update().where(staff.c.id == staff_id).values(password_hash=password_hash)
    )


async def memberships_of(
    session: AsyncSession, staff_id: uuid.UUID
) -> dict[uuid.UUID, Role] | None:
    """The staff member's restaurants and roles; None when the account does not exist."""
    rows = (
        await session.execute(
            select(staff.c.id, memberships.c.restaurant_id, memberships.c.role)
            .select_from(staff.outerjoin(memberships, memberships.c.staff_id == staff.c.id))
            .where(staff.c.id == staff_id)
        )
    ).all()
    if not rows:
        return None
    return {row.restaurant_id: cast(Role, row.role) for row in rows if row.restaurant_id}


async def make_owner(session: AsyncSession, staff_id: uuid.UUID, restaurant_id: uuid.UUID) -> None:
    await session.execute(
        insert(memberships)
        .values(staff_id=staff_id, restaurant_id=restaurant_id, role="owner")
        .on_conflict_do_update(
            index_elements=[memberships.c.staff_id, memberships.c.restaurant_id],
            set_={"role": "owner"},
        )
    )


async def add_member(
    session: AsyncSession, staff_id: uuid.UUID, restaurant_id: uuid.UUID, role: Role
) -> None:
    await session.execute(
        insert(memberships)
        .values(staff_id=staff_id, restaurant_id=restaurant_id, role=role)
        .on_conflict_do_update(
            index_elements=[memberships.c.staff_id, memberships.c.restaurant_id],
            set_={"role": role},
        )
    )


def _staff(row: object) -> Staff:
    return Staff(
        id=row.id,  # type: ignore[attr-defined]
        email=row.email,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        password_hash=row.password_hash,  # type: ignore[attr-defined]
    )
