"""Routes of the web pages: HTML shells that carry ids; the page scripts do the rest."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from gateway.web.qr import qr_svg

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/static/web"

# Pages only talk to their own origin; the manage link carries a token in its URL, so no referrer.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _assets_version() -> str:
    """Changes whenever a static file changes, so browsers never run a stale script."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["asset_version"] = _assets_version()
templates.env.globals["static"] = STATIC_PREFIX

router = APIRouter(include_in_schema=False)
# Served through a route rather than a mount, so including `router` alone brings everything.
_static_files = StaticFiles(directory=STATIC_DIR)


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=PAGE_HEADERS
    )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _not_found(request: Request) -> HTMLResponse:
    return _page(request, "not_found.html", status_code=404, title="Page not found")


@router.get("/r/{restaurant_id}", response_class=HTMLResponse)
async def diner_waitlist(request: Request, restaurant_id: str) -> HTMLResponse:
    rid = _uuid(restaurant_id)
    if rid is None:
        return _not_found(request)
    return _page(request, "waitlist.html", title="Join the waitlist", restaurant_id=rid)


@router.get("/r/{restaurant_id}/book", response_class=HTMLResponse)
async def diner_booking(request: Request, restaurant_id: str) -> HTMLResponse:
    rid = _uuid(restaurant_id)
    if rid is None:
        return _not_found(request)
    return _page(request, "book.html", title="Book a table", restaurant_id=rid)


@router.get("/reservations/{reservation_id}", response_class=HTMLResponse)
async def manage_reservation(request: Request, reservation_id: str) -> HTMLResponse:
    booking_id = _uuid(reservation_id)
    if booking_id is None:
        return _not_found(request)
    return _page(request, "reservation.html", title="Your booking", reservation_id=booking_id)


@router.get("/host", response_class=HTMLResponse)
async def host_console(request: Request) -> HTMLResponse:
    return _page(request, "host.html", title="Host console")


@router.get("/r/{restaurant_id}/qr.svg")
async def diner_page_qr(request: Request, restaurant_id: str) -> Response:
    rid = _uuid(restaurant_id)
    if rid is None:
        return _not_found(request)
    return Response(
        qr_svg(f"{_public_base_url(request)}/r/{rid}"),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(STATIC_PREFIX + "/{path:path}", name="web-static")
async def static_file(request: Request, path: str) -> Response:
    response: Response = await _static_files.get_response(path, request.scope)
    return response


def _public_base_url(request: Request) -> str:
    """The address diners reach the gateway at (set per deployment), else this request's."""
    settings = getattr(request.app.state, "settings", None)
    configured = getattr(settings, "public_base_url", "") or ""
    return (configured or str(request.base_url)).rstrip("/")
