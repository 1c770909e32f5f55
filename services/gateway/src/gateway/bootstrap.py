"""Builds the gateway app; engines and clients are made in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.adapters import orm
from gateway.adapters.event_feed import EventFeed
from gateway.adapters.idempotency import IdempotencyStore
from gateway.adapters.redis_link import RateLimiter, RedisLink
from gateway.adapters.replay import ReplayBuffer
from gateway.adapters.upstream import Upstreams
from gateway.config import Settings
from gateway.domain.channels import BINDINGS
from gateway.domain.tokens import KeyRing
from gateway.entrypoints import api, proxy, realtime
from gateway.entrypoints.limits import BodyLimitMiddleware
from gateway.service.identity import Identities
from gateway.service.openapi import OpenApiDocument
from gateway.service.parts import GatewayParts
from gateway.service.proxy import Proxy
from gateway.service.realtime import Hub
from maitred_messaging.service import running_service
from maitred_platform.health import HealthChecks
from maitred_platform.logs import configure_logging
from maitred_platform.web import create_app as create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level)
    checks = HealthChecks()
    ring = KeyRing(
        current_kid=settings.jwt_key_id,
        current_secret=settings.jwt_secret,
        previous=dict(settings.jwt_previous_keys),
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_service(
            service="gateway",
            settings=settings,
            metadata=orm.metadata,
            checks=checks,
        ) as running:
            app.state.sessions = running.sessions
            app.state.messaging = running.messaging
            parts = _build_parts(app, settings, ring, running.sessions)
            app.state.gateway = parts
            _register_checks(checks, parts, feed := _feed(settings, parts.hub))
            await parts.upstreams.start()
            await feed.start()
            heartbeat = asyncio.create_task(_feed_heartbeat(feed, parts.hub.buffer))
            try:
                yield
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                await feed.stop()
                await parts.upstreams.close()
                await parts.redis.close()

    app = create_service_app(
        title="Maitred Gateway", service="gateway", lifespan=lifespan, checks=checks
    )
    app.state.settings = settings
    app.include_router(api.router)
    app.include_router(realtime.router)
    web = _web_router()
    if web is not None:
        app.include_router(web)
    _serve_merged_openapi(app)
    app.router.routes.append(proxy.route)  # last: everything else under /v1
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    return app


def _build_parts(app: FastAPI, settings: Settings, ring: KeyRing, sessions: Any) -> GatewayParts:
    redis = RedisLink(settings.redis_url, settings.redis_prefix, settings.redis_timeout_seconds)
    limiter = RateLimiter(redis, enabled=settings.rate_limits_enabled)
    upstreams = Upstreams(
        settings.service_urls(),
        timeout_seconds=settings.upstream_timeout_seconds,
        connect_timeout_seconds=settings.upstream_connect_timeout_seconds,
        max_connections=settings.upstream_max_connections,
    )
    identities = Identities(
        sessions, ring, settings.internal_key, settings.membership_cache_seconds
    )
    idempotency = IdempotencyStore(redis, settings.idempotency_ttl_seconds)
    buffer = ReplayBuffer(
        redis, settings.realtime_buffer_size, settings.realtime_buffer_ttl_seconds
    )
    return GatewayParts(
        settings=settings,
        ring=ring,
        redis=redis,
        limiter=limiter,
        upstreams=upstreams,
        identities=identities,
        proxy=Proxy(upstreams, identities, limiter, idempotency, redis),
        hub=Hub(buffer, identities, upstreams, settings.realtime_send_queue),
        openapi=OpenApiDocument(upstreams, app.openapi),
    )


async def _feed_heartbeat(feed: EventFeed, buffer: ReplayBuffer) -> None:
    """Tells the other gateways this one is buffering events; see ReplayBuffer for why."""
    while True:
        if feed.consuming():
            await buffer.feed_alive()
        else:
            buffer.feed_stopped()
        await asyncio.sleep(0.5)


def _feed(settings: Settings, hub: Hub) -> EventFeed:
    return EventFeed(settings.amqp_url, BINDINGS, hub.publish)


def _register_checks(checks: HealthChecks, parts: GatewayParts, feed: EventFeed) -> None:
    checks.add("redis", parts.redis.ping)

    async def realtime_feed() -> dict[str, object]:
        if not feed.consuming():
            raise RuntimeError("the realtime event feed is not consuming")
        return {"queue": feed.queue_name}

    checks.add("realtime_feed", realtime_feed)
    for service in parts.upstreams.urls:
        checks.add(f"service:{service}", functools.partial(parts.upstreams.ready, service))


def _web_router() -> Any:
    """The web pages' router, when that package is present."""
    if importlib.util.find_spec("gateway.web") is None:
        return None
    module = importlib.import_module("gateway.web")
    return getattr(module, "router", None)


def _serve_merged_openapi(app: FastAPI) -> None:
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) != app.openapi_url
    ]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.gateway.openapi.document())
