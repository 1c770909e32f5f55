"""FastAPI dependencies of the notifier's routes: a unit of work, the context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork


def unit_of_work(request: Request) -> NotifierUnitOfWork:
    # On the session factory: a connection is taken only inside the unit, not while a route
    # checks a provider's signature or a use case resolves a webhook's host name.
    return NotifierUnitOfWork(request.app.state.sessions)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


UnitOfWorkDep = Annotated[NotifierUnitOfWork, Depends(unit_of_work)]
ContextDep = Annotated[Context, Depends(context)]
