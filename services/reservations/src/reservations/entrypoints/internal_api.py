"""Internal routes, for the gateway only: it never routes /internal to clients, and signs its
own calls with the internal principal header like any staff call."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from maitred_platform.deps import CurrentStaff
from maitred_platform.problems import Problem
from reservations.entrypoints.deps import UnitOfWorkDep
from reservations.service import bookings

router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)


class TokenCheck(BaseModel):
    token: str


class TokenOwner(BaseModel):
    reservation_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: str


@router.post("/manage-tokens/verify", response_model=TokenOwner)
async def verify_manage_token(
    body: TokenCheck, uow: UnitOfWorkDep, caller: CurrentStaff
) -> TokenOwner:
    """Which booking a manage token opens (e.g. for a realtime client); 404 when none."""
    booking = await bookings.booking_of_token(uow, body.token)
    if booking is None:
        raise Problem(404, "The token opens no booking.")
    return TokenOwner(
        reservation_id=booking.id, restaurant_id=booking.restaurant_id, status=booking.status
    )
