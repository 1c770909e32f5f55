"""HTTP routes of the waitlist service: thin translators to the use cases.

Paths and bodies are those of the public API (the gateway passes calls straight through),
plus one internal route the gateway uses to authenticate realtime clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from maitred_platform import request_keys
from maitred_platform.access import require_staff
from maitred_platform.deps import BearerToken, CurrentStaff, OptionalStaff, SessionDep
from waitlist.domain.waitlist import Action
from waitlist.entrypoints.answers import (
    host_party_answer,
    party_answer,
    settings_answer,
)
from waitlist.entrypoints.schemas import JoinBody, SettingsPatch, TableChoice, TokenBody
from waitlist.service import parties, reports
from waitlist.service.parties import Act, Join
from waitlist.service.settings import change_settings
from waitlist.service.unit_of_work import WaitlistUnitOfWork

router = APIRouter(prefix="/v1", tags=["waitlist"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"])


async def current_time(request: Request) -> datetime:
    # async: FastAPI would run a plain function in a worker thread, a hop on every request.
    now: datetime = request.app.state.clock()
    return now


Now = Annotated[datetime, Depends(current_time)]


async def unit_of_work(request: Request, session: SessionDep) -> WaitlistUnitOfWork:
    """The request's unit of work, on the session the request waited its turn for."""
    state = request.app.state
    return WaitlistUnitOfWork(session, clock=state.clock, sealing_key=state.settings.internal_key)


UnitOfWorkDep = Annotated[WaitlistUnitOfWork, Depends(unit_of_work)]


@router.get("/restaurants/{restaurant_id}/waitlist")
async def waitlist_summary(
    restaurant_id: uuid.UUID, uow: UnitOfWorkDep, now: Now
) -> dict[str, Any]:
    """Anyone: whether the list is open, how many parties are in it and the wait to expect."""
    found = await reports.summary(uow, restaurant_id, now)
    return {
        "open": found.open,
        "parties_waiting": found.parties_waiting,
        "estimated_wait_minutes": found.estimate.minutes,
        "estimate_low_minutes": found.estimate.low,
        "estimate_high_minutes": found.estimate.high,
    }


@router.post("/restaurants/{restaurant_id}/waitlist/parties", status_code=201)
async def join_waitlist(
    restaurant_id: uuid.UUID,
    body: JoinBody,
    uow: UnitOfWorkDep,
    now: Now,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    """Anyone: join the list. The party token in the answer is shown this once (and to a
    retry with the same Idempotency-Key, which answers the same party)."""
    key = request_keys.from_request(request, "join", restaurant_id, await request.body())
    command = Join(restaurant_id, body.name, body.party_size, body.preference, body.phone, key)
    joined = await parties.join(uow, command, now)
    if joined.replayed:
        response.headers[request_keys.REPLAYED_HEADER] = "true"
    return {**party_answer(joined.view), "party_token": joined.token}


@router.get("/restaurants/{restaurant_id}/waitlist/parties")
async def host_queue(
    restaurant_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep, now: Now
) -> dict[str, Any]:
    """Staff: the queue in order, then the parties at their tables."""
    require_staff(staff, restaurant_id)
    queue = await reports.host_queue(uow, restaurant_id, now)
    return {
        "items": [
            host_party_answer(view, now, queue.suggestions.get(view.party.id))
            for view in queue.parties
        ]
    }


@router.get("/restaurants/{restaurant_id}/waitlist/stats")
async def waitlist_stats(
    restaurant_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep, now: Now
) -> dict[str, Any]:
    """Staff: today's numbers for the host dashboard, quote accuracy included."""
    require_staff(staff, restaurant_id)
    return await reports.stats(uow, restaurant_id, now)


@router.get("/restaurants/{restaurant_id}/waitlist/settings")
async def read_settings(
    restaurant_id: uuid.UUID, staff: CurrentStaff, uow: UnitOfWorkDep
) -> dict[str, Any]:
    require_staff(staff, restaurant_id)
    settings, limit = await reports.settings_of(uow, restaurant_id)
    return settings_answer(settings, limit)


@router.patch("/restaurants/{restaurant_id}/waitlist/settings")
async def patch_settings(
    restaurant_id: uuid.UUID,
    body: SettingsPatch,
    staff: CurrentStaff,
    uow: UnitOfWorkDep,
    now: Now,
) -> dict[str, Any]:
    require_staff(staff, restaurant_id, role="owner")
    settings, limit = await change_settings(uow, restaurant_id, body.changes(), now)
    return settings_answer(settings, limit)


@router.get("/parties/{party_id}")
async def party_status(
    party_id: uuid.UUID, staff: OptionalStaff, token: BearerToken, uow: UnitOfWorkDep, now: Now
) -> dict[str, Any]:
    """The party itself (its token) or staff of its restaurant."""
    view = await parties.look_at(uow, party_id, staff, token, now)
    return party_answer(view)


def _diner_or_staff_action(action: Action) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def route(
        party_id: uuid.UUID,
        staff: OptionalStaff,
        token: BearerToken,
        uow: UnitOfWorkDep,
        now: Now,
    ) -> dict[str, Any]:
        view = await parties.act(uow, Act(party_id, action, staff, token), now)
        return party_answer(view)

    return route


def _staff_action(action: Action) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def route(
        party_id: uuid.UUID,
        staff: CurrentStaff,
        uow: UnitOfWorkDep,
        now: Now,
        body: Annotated[TableChoice | None, Body()] = None,
    ) -> dict[str, Any]:
        table_id = body.table_id if body is not None else None
        view = await parties.act(uow, Act(party_id, action, staff, table_id=table_id), now)
        return party_answer(view)

    return route


DINER_OR_STAFF: tuple[Action, ...] = ("check-in", "leave")
# "remove" is the host taking a party off the list: it becomes `left`, by staff.
STAFF_ONLY: tuple[Action, ...] = ("call", "seat", "complete", "no-show", "remove")

for _action in DINER_OR_STAFF:
    router.add_api_route(
        f"/parties/{{party_id}}/{_action}",
        _diner_or_staff_action(_action),
        methods=["POST"],
        name=f"party_{_action}",
    )
for _action in STAFF_ONLY:
    router.add_api_route(
        f"/parties/{{party_id}}/{_action}",
        _staff_action(_action),
        methods=["POST"],
        name=f"party_{_action}",
    )


@internal_router.post("/party-tokens/verify")
async def verify_party_token(
    body: TokenBody, _: CurrentStaff, uow: UnitOfWorkDep
) -> dict[str, str]:
    """Gateway only (any principal it signed): which party a diner's token belongs to."""
    party = await parties.verify_token(uow, body.token)
    return {"party_id": str(party.id), "restaurant_id": str(party.restaurant_id)}
