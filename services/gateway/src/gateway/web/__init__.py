"""The web pages the gateway serves: the diner's waitlist and booking pages and the host console.

Pages are server-rendered shells; small ES modules in `static/js` talk to the public API
(`/v1/...`) and the realtime WebSocket only, like any other client.
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway.web.pages import router


def install(app: FastAPI) -> None:
    """Adds the page routes and their static files (CSS, JS) to the gateway app.

    Call it before the catch-all `/v1` proxy route is appended; `router` alone does the same.
    """
    app.include_router(router)


__all__ = ["install", "router"]
