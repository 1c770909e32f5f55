"""The app factory every service uses: request ids, JSON logs, problems, health, metrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maitred_platform.health import HealthChecks, health_router
from maitred_platform.logs import get_logger
from maitred_platform.problems import install_problem_handlers

REQUEST_ID_HEADER = "x-request-id"
log = get_logger("http")

HTTP_REQUESTS = Counter(
    "maitred_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "maitred_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class RequestContextMiddleware:
    """Gives every request an id (kept from the caller when present) bound into the logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"x-request-id", b"")
        request_id = raw.decode("latin-1")[:64] if raw else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(scope["method"], path, str(status_holder["status"])).inc()
            HTTP_LATENCY.labels(scope["method"], path).observe(elapsed)
            structlog.contextvars.unbind_contextvars("request_id")


def create_app(
    *,
    title: str,
    service: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]],
    checks: HealthChecks,
    version: str = "1.0.0",
) -> FastAPI:
    app = FastAPI(title=title, version=version, lifespan=lifespan)
    app.state.health = checks
    install_problem_handlers(app)
    app.include_router(health_router(checks, service))

    @app.get("/metrics", include_in_schema=False)
    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestContextMiddleware)
    return app
