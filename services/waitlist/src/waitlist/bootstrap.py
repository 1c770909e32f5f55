"""Builds the waitlist app; engines and clients are made in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_messaging.service import running_service
from maitred_platform.clock import Clock, scaled_clock, system_clock
from maitred_platform.health import HealthChecks
from maitred_platform.logs import configure_logging
from maitred_platform.problems import problem_response
from maitred_platform.web import create_app as create_service_app
from waitlist.adapters import orm
from waitlist.config import Settings
from waitlist.domain.errors import Conflict, Invalid, NotFound, WaitlistError
from waitlist.entrypoints import api, consumers
from waitlist.entrypoints.worker import timer_worker
from waitlist.service.unit_of_work import WaitlistUnitOfWork

STATUS_OF = {NotFound: 404, Conflict: 409, Invalid: 422}


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    if clock is None:
        clock = system_clock if settings.time_scale == 1.0 else scaled_clock(settings.time_scale)
    configure_logging("waitlist", settings.log_level)
    checks = HealthChecks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        def unit_of_work(
            sessions: async_sessionmaker[AsyncSession] | AsyncSession,
        ) -> WaitlistUnitOfWork:
            return WaitlistUnitOfWork(sessions, clock=clock, sealing_key=settings.internal_key)

        async with running_service(
            service="waitlist",
            settings=settings,
            metadata=orm.metadata,
            checks=checks,
            handlers=consumers.build_handlers(clock),
            unit_of_work=unit_of_work,  # events are applied in the waitlist's own unit of work
        ) as parts:
            app.state.sessions = parts.sessions
            app.state.messaging = parts.messaging
            async with timer_worker(
                partial(unit_of_work, parts.sessions), clock, settings.timer_interval_seconds
            ) as timers:

                async def timers_check() -> dict[str, Any]:
                    if timers.done():
                        raise RuntimeError("the timer worker stopped")
                    return {}

                checks.add("timers", timers_check)
                yield

    app = create_service_app(
        title="Maitred Waitlist", service="waitlist", lifespan=lifespan, checks=checks
    )
    app.state.settings = settings
    app.state.clock = clock
    install_error_answers(app)
    app.include_router(api.router)
    app.include_router(api.internal_router)
    return app


def install_error_answers(app: FastAPI) -> None:
    @app.exception_handler(WaitlistError)
    async def _refused(_: Request, exc: WaitlistError) -> JSONResponse:
        status = STATUS_OF.get(type(exc), 409)
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return problem_response(status, exc.message, errors=errors)

    @app.exception_handler(IntegrityError)
    async def _raced(_: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint caught what a concurrent change made impossible; nothing was changed.
        return problem_response(409, "The waitlist changed meanwhile; try again.")
