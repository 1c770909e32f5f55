"""Builds the notifier app; engines and clients are made in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from maitred_messaging.service import running_service
from maitred_platform.clock import Clock, system_clock
from maitred_platform.health import HealthChecks
from maitred_platform.logs import configure_logging
from maitred_platform.web import create_app as create_service_app
from notifier.adapters import orm
from notifier.adapters.channels import Channels
from notifier.adapters.email import SmtpMailer
from notifier.adapters.sms import HttpSmsProvider, LogSmsProvider, SmsProvider
from notifier.adapters.webhook_client import WebhookPoster
from notifier.config import Settings
from notifier.entrypoints import api, consumers
from notifier.service.context import Context
from notifier.service.delivery_worker import DeliveryWorker
from notifier.service.unit_of_work import NotifierUnitOfWork


def _sms_provider(settings: Settings, client: httpx.AsyncClient) -> SmsProvider:
    if settings.sms_provider == "http":
        return HttpSmsProvider(
            client,
            base_url=settings.sms_base_url,
            account_sid=settings.sms_account_sid,
            auth_token=settings.sms_auth_token,
            sender=settings.sms_from,
        )
    return LogSmsProvider()


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> FastAPI:
    """`clock` is for tests that need reminders to come due without waiting hours."""
    settings = settings or Settings()
    configure_logging("notifier", settings.log_level)
    # httpx logs each request's URL: webhook URLs are the integrators' and may carry secrets.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    checks = HealthChecks()
    ctx = Context(settings=settings, clock=clock)
    running: dict[str, asyncio.Task[None]] = {}

    async def worker_check() -> dict[str, object]:
        task = running.get("worker")
        if task is None or task.done():
            raise RuntimeError("the delivery worker is not running")
        return {}

    checks.add("delivery_worker", worker_check)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.send_timeout_seconds)
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
            running_service(
                service="notifier",
                settings=settings,
                metadata=orm.metadata,
                checks=checks,
                handlers=consumers.build_handlers(ctx),
                unit_of_work=NotifierUnitOfWork,  # each event is applied in the notifier's own
            ) as parts,
        ):
            sessions = parts.sessions

            def unit_of_work() -> NotifierUnitOfWork:
                return NotifierUnitOfWork(sessions)

            channels = Channels(
                sms=_sms_provider(settings, client),
                mailer=SmtpMailer(
                    host=settings.smtp_host,
                    port=settings.smtp_port,
                    sender=settings.smtp_from,
                    username=settings.smtp_username,
                    password=settings.smtp_password,
                    starttls=settings.smtp_starttls,
                    timeout=settings.send_timeout_seconds,
                ),
                webhooks=WebhookPoster(client, allow_private=settings.webhook_allow_private),
                internal_key=settings.internal_key,
            )
            worker = DeliveryWorker(unit_of_work=unit_of_work, channels=channels, ctx=ctx)
            task = asyncio.create_task(worker.run(), name="notifier-delivery-worker")
            running["worker"] = task
            app.state.sessions = parts.sessions
            app.state.messaging = parts.messaging
            try:
                yield
            finally:
                await worker.stop(task)

    app = create_service_app(
        title="Maitred Notifier", service="notifier", lifespan=lifespan, checks=checks
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.include_router(api.router)
    return app
