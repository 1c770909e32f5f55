"""The web pages the gateway serves: the diner's waitlist and booking pages and the host console.

Pages are server-rendered shells; small ES modules in `static/js` talk to the public API
(`/v1/...`) and the realtime WebSocket only, like any other client.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.web.pages import STATIC_DIR, STATIC_PREFIX, router


def install(app: FastAPI) -> None:
    """Adds the page routes and the static files (CSS, JS) to the gateway app."""
    app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")


__all__ = ["install"]
