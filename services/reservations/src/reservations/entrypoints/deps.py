"""The unit of work a route hands its use case, on the request's session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from maitred_platform.deps import SessionDep
from reservations.service.unit_of_work import ReservationsUnitOfWork


async def unit_of_work(request: Request, session: SessionDep) -> ReservationsUnitOfWork:
    # The session comes from `get_session`, which keeps the requests' turns for a connection.
    return ReservationsUnitOfWork(session, sealing_key=request.app.state.settings.internal_key)


UnitOfWorkDep = Annotated[ReservationsUnitOfWork, Depends(unit_of_work)]
