"""Builds the reservations app; engines and clients are made in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from maitred_messaging.service import running_service
from maitred_platform.health import HealthChecks
from maitred_platform.logs import configure_logging
from maitred_platform.web import create_app as create_service_app
from reservations.adapters import orm
from reservations.config import Settings
from reservations.entrypoints import api, consumers
from reservations.service.unit_of_work import ReservationsUnitOfWork


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging("reservations", settings.log_level)
    checks = HealthChecks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_service(
            service="reservations",
            settings=settings,
            metadata=orm.metadata,
            checks=checks,
            handlers=consumers.handlers,
            # Each event is applied in a unit of work of this service (its repositories, its
            # contracts).
            unit_of_work=lambda sessions: ReservationsUnitOfWork(
                sessions, sealing_key=settings.internal_key
            ),
        ) as parts:
            app.state.sessions = parts.sessions
            app.state.messaging = parts.messaging
            yield

    app = create_service_app(
        title="Maitred Reservations", service="reservations", lifespan=lifespan, checks=checks
    )
    app.state.settings = settings
    app.include_router(api.router)
    api.install_rule_handlers(app)
    return app
