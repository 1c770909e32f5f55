"""A restaurant found or a 404, and the Postgres error codes the use cases tell apart.

Who may act for a restaurant is `maitred_platform.access.require_staff`.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

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


def sqlstate(exc: DBAPIError) -> str | None:
    """The Postgres error code behind a driver error (23505 unique, 23P01 exclusion)."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
