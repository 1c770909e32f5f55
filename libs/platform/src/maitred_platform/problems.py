"""RFC 9457 problem responses for every error a service or the gateway answers."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from maitred_platform.logs import get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class Problem(Exception):
    """Raise from any layer above the domain to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.type = type_ or "about:blank"
        self.errors = errors
        self.headers = headers


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_ or "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {"field": _field_name(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]


def _is_database_down(exc: BaseException) -> bool:
    names = {type(e).__name__ for e in _chain(exc)}
    return bool(
        names
        & {
            "ConnectionRefusedError",
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "OperationalError",
            "AdminShutdownError",
            "ConnectionResetError",
            "TooManyConnectionsError",
            # A pooler or proxy that accepts, then hangs up before the server answers.
            "ConnectionError",
            # The pool had no free connection in time: overloaded, so retry shortly.
            "TimeoutError",
        }
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            type_=exc.type,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        is_json_error = any(e.get("type") == "json_invalid" for e in exc.errors())
        status = 400 if is_json_error else 422
        detail = "The body is not valid JSON." if is_json_error else "The request is not valid."
        return problem_response(status, detail, errors=errors)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if any(isinstance(e, asyncpg.DataError) for e in _chain(exc)):
            # Postgres refused a value (out of range, a NUL in a text): the caller's input.
            return problem_response(422, "A value in the request is out of range or not allowed.")
        if _is_database_down(exc):
            log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
            return problem_response(
                503, "The database is not reachable; retry shortly.", headers={"Retry-After": "2"}
            )
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(500, "Something went wrong on our side.")

    # Database and network failures get handlers of their own class: Starlette re-raises what
    # only the catch-all handles after answering, and the server then drops the connection,
    # which a keep-alive client (the gateway) would see as a broken answer, not a 503.
    for kind in (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        app.add_exception_handler(kind, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
