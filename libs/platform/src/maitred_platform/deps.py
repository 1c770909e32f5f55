"""FastAPI dependencies every service uses: its session, the staff principal, a bearer token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_platform.principal import HEADER, InvalidPrincipal, Principal, verify_principal
from maitred_platform.problems import Problem


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with _connection_turns(request.app), sessions() as session:
        yield session


def _connection_turns(app: Any) -> asyncio.Semaphore:
    """As many requests at a time as the pool has connections; the others wait in turn.

    The pool hands a returned connection to whichever request asks next, not to the one
    that has waited longest: with more requests than connections, some waited seconds (and
    timed out as 503) while newer ones went ahead. Waiting here keeps arrival order.
    """
    turns: asyncio.Semaphore | None = getattr(app.state, "connection_turns", None)
    if turns is None:
        settings = app.state.settings
        turns = asyncio.Semaphore(settings.db_pool_size + settings.db_max_overflow)
        app.state.connection_turns = turns
    return turns


def _principal_from(request: Request) -> Principal | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    try:
        return verify_principal(raw, request.app.state.settings.internal_key)
    except InvalidPrincipal as exc:
        raise Problem(401, "The staff credential could not be verified.") from exc


async def get_principal(request: Request) -> Principal:
    principal = _principal_from(request)
    if principal is None:
        raise Problem(
            401, "Staff authentication is required.", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


async def get_optional_principal(request: Request) -> Principal | None:
    return _principal_from(request)


async def get_bearer_token(request: Request) -> str | None:
    """The diner's credential (party or manage token), passed through by the gateway."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


SessionDep = Annotated[AsyncSession, Depends(get_session)]
CurrentStaff = Annotated[Principal, Depends(get_principal)]
OptionalStaff = Annotated[Principal | None, Depends(get_optional_principal)]
BearerToken = Annotated[str | None, Depends(get_bearer_token)]
