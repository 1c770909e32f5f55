"""Who may touch what: staff act for the restaurants they belong to, owners configure them."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from reservations.adapters import restaurants_repo
from reservations.domain.restaurant import Restaurant


async def restaurant_or_404(
    session: AsyncSession, restaurant_id: uuid.UUID, *, lock: bool = False
) -> Restaurant:
    restaurant = await restaurants_repo.get(session, restaurant_id, lock=lock)
    if restaurant is None:
        raise Problem(404, "No such restaurant.")
    return restaurant


def require_staff(principal: Principal, restaurant_id: uuid.UUID) -> None:
    if not principal.is_staff_of(restaurant_id):
        raise Problem(403, "Only this restaurant's staff may do this.")


def require_owner(principal: Principal, restaurant_id: uuid.UUID) -> None:
    if not principal.is_owner_of(restaurant_id):
        raise Problem(403, "Only an owner of this restaurant may do this.")


def sqlstate(exc: DBAPIError) -> str | None:
    """The Postgres error code behind a driver error (23505 unique, 23P01 exclusion)."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
