"""HTTP routes of the reservations service: thin translators to the use cases.

Served under the same paths and bodies as the public API, so the gateway passes calls through.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from maitred_platform.problems import problem_response
from reservations.domain.errors import RuleViolation, StateConflict
from reservations.entrypoints import bookings_api, floor_api, internal_api, restaurants_api

router = APIRouter()
router.include_router(restaurants_api.router)
router.include_router(floor_api.router)
router.include_router(bookings_api.router)
router.include_router(internal_api.router)


def install_rule_handlers(app: FastAPI) -> None:
    """A broken rule answers 422 naming the field; a wrong state answers 409."""

    @app.exception_handler(RuleViolation)
    async def _rule(_: Request, exc: RuleViolation) -> JSONResponse:
        errors = [{"field": exc.field or "body", "message": exc.message}]
        return problem_response(422, exc.message, errors=errors)

    @app.exception_handler(StateConflict)
    async def _conflict(_: Request, exc: StateConflict) -> JSONResponse:
        return problem_response(409, exc.message)
