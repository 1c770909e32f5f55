"""/health/live and /health/ready: named checks, each answering quickly or failing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[dict[str, Any] | None]]


class HealthChecks:
    """Readiness checks: each returns details or raises; a timeout counts as a failure."""

    def __init__(self, timeout_seconds: float = 2.0) -> None:
        self._checks: dict[str, Check] = {}
        self._timeout = timeout_seconds

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def _run(self, check: Check) -> dict[str, Any]:
        try:
            details = await asyncio.wait_for(check(), self._timeout)
            return {"ok": True, **(details or {})}
        except TimeoutError:
            return {"ok": False, "error": "timed out"}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}

    async def report(self) -> tuple[bool, dict[str, Any]]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(self._checks[n]) for n in names))
        checks = dict(zip(names, results, strict=True))
        return all(r["ok"] for r in results), checks


def health_router(checks: HealthChecks, service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live", "service": service}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        ok, details = await checks.report()
        body = {"status": "ready" if ok else "not_ready", "service": service, "checks": details}
        return JSONResponse(body, status_code=200 if ok else 503)

    return router
