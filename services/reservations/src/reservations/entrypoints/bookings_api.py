"""Routes of bookings: /v1/restaurants/{rid}/reservations and /v1/reservations."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Query, Request, Response

from maitred_platform import request_keys
from maitred_platform.deps import BearerToken, CurrentStaff, OptionalStaff
from reservations.domain.bookings import BookingAction
from reservations.entrypoints.deps import UnitOfWorkDep
from reservations.entrypoints.schemas import BookedOut, BookingOut, Items, LookupRequest, NewBooking
from reservations.service import arrivals, bookings

router = APIRouter(prefix="/v1", tags=["reservations"])


@router.post("/restaurants/{restaurant_id}/reservations", status_code=201, response_model=BookedOut)
async def book(
    restaurant_id: uuid.UUID,
    body: NewBooking,
    uow: UnitOfWorkDep,
    request: Request,
    response: Response,
) -> BookedOut:
    """Anyone: book. A retry with the same Idempotency-Key answers the same booking."""
    asked = bookings.BookingRequest(restaurant_id=restaurant_id, **body.model_dump())
    key = request_keys.from_request(request, "book", restaurant_id, await request.body())
    made = await bookings.book(uow, request.app.state.settings.internal_key, asked, key)
    if made.replayed:
        response.headers[request_keys.REPLAYED_HEADER] = "true"
    return BookedOut(**BookingOut.of(made.booking).model_dump(), manage_token=made.manage_token)


@router.get("/restaurants/{restaurant_id}/reservations", response_model=Items[BookingOut])
async def bookings_of_day(
    restaurant_id: uuid.UUID,
    uow: UnitOfWorkDep,
    staff: CurrentStaff,
    day: date | None = Query(
        default=None, alias="date", description="Local date; today if absent."
    ),
) -> Items[BookingOut]:
    found = await bookings.bookings_of_day(uow, staff, restaurant_id, day)
    return Items[BookingOut](items=[BookingOut.of(b) for b in found])


@router.post("/reservations/lookup", status_code=202)
async def send_links(body: LookupRequest, uow: UnitOfWorkDep, request: Request) -> Response:
    key = request.app.state.settings.internal_key
    await bookings.send_links(uow, key, body.restaurant_id, body.phone)
    return Response(status_code=202)


@router.get("/reservations/{reservation_id}", response_model=BookingOut)
async def get_booking(
    reservation_id: uuid.UUID, uow: UnitOfWorkDep, staff: OptionalStaff, token: BearerToken
) -> BookingOut:
    return BookingOut.of(await bookings.booking_for(uow, reservation_id, staff, token))


@router.delete("/reservations/{reservation_id}", response_model=BookingOut)
async def cancel_booking(
    reservation_id: uuid.UUID, uow: UnitOfWorkDep, staff: OptionalStaff, token: BearerToken
) -> BookingOut:
    return BookingOut.of(await bookings.cancel(uow, reservation_id, staff, token))


def _staff_action(action: BookingAction, path: str) -> None:
    async def act(reservation_id: uuid.UUID, uow: UnitOfWorkDep, staff: CurrentStaff) -> BookingOut:
        return BookingOut.of(await arrivals.record(uow, staff, reservation_id, action))

    router.add_api_route(
        f"/reservations/{{reservation_id}}/{path}",
        act,
        methods=["POST"],
        response_model=BookingOut,
        name=f"booking_{action}",
    )


_staff_action("seat", "seat")
_staff_action("complete", "complete")
_staff_action("no_show", "no-show")
