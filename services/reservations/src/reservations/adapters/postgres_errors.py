"""The Postgres error codes the repositories tell apart."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"


def sqlstate(exc: DBAPIError) -> str | None:
    """The Postgres error code behind a driver error."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
