"""/health/ready follows the broker: not ready while it is away, ready again when it returns."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from sqlalchemy import MetaData, text

from maitred_messaging.service import running_service
from maitred_messaging.testing import TcpProxy, serve_app, wait_until
from maitred_platform.health import HealthChecks
from maitred_platform.provision import with_database
from maitred_platform.settings import ServiceSettings
from maitred_platform.web import create_app


async def test_ready_turns_not_ready_when_broker_is_down_and_ready_again(
    admin_engine, alpha, beta, databases, postgres_admin_url, amqp_url
):
    metadata, _ = alpha
    parts = urlsplit(amqp_url)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    settings = ServiceSettings(
        environment="test",
        database_url=with_database(postgres_admin_url, admin_engine.url.database or "").replace(
            "postgresql://", "postgresql+asyncpg://", 1
        ),
        amqp_url=urlunsplit((parts.scheme, f"{host}:{proxy.port}", parts.path, "", "")),
    )
    checks = HealthChecks()

    def build() -> FastAPI:
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            async with running_service(
                service=metadata.schema or "alpha",
                settings=settings,
                metadata=MetaData(schema=metadata.schema),
                checks=checks,
                handlers=beta.handlers,
            ):
                yield

        return create_app(title="probe", service="probe", lifespan=lifespan, checks=checks)

    try:
        async with serve_app(build()) as client:

            async def status_is(code: int) -> bool:
                return (await client.get("/health/ready")).status_code == code

            await wait_until(lambda: status_is(200), timeout=15)
            body = (await client.get("/health/ready")).json()
            assert body["checks"]["broker"]["ok"] is True
            assert body["checks"]["consumer"]["consuming"] is True
            assert (await client.get("/health/live")).status_code == 200

            proxy.cut()
            await wait_until(lambda: status_is(503), timeout=15)
            body = (await client.get("/health/ready")).json()
            assert body["status"] == "not_ready"
            assert body["checks"]["broker"]["ok"] is False
            assert (await client.get("/health/live")).status_code == 200

            proxy.restore()
            await wait_until(lambda: status_is(200), timeout=30)
    finally:
        await proxy.close()
    async with admin_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
