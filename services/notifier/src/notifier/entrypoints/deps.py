"""FastAPI dependencies of the notifier's routes: a unit of work on the request's session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from maitred_platform.deps import SessionDep
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork


def unit_of_work(session: SessionDep) -> NotifierUnitOfWork:
    # On the request's session: its turn for a connection keeps the arrival order.
    return NotifierUnitOfWork(session)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


UnitOfWorkDep = Annotated[NotifierUnitOfWork, Depends(unit_of_work)]
ContextDep = Annotated[Context, Depends(context)]
