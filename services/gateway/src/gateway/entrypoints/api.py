"""The gateway's own routes: staff accounts, restaurant members, opening a restaurant.

Each builds a command and calls its use case with a unit of work on the request's session.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.accounts import Role
from gateway.domain.rate_policy import checks_for, client_for, login_checks
from gateway.entrypoints.proxy import incoming_call, response_of
from gateway.service import accounts, restaurants
from gateway.service.commands import AddMember, LogIn, OpenRestaurant, Register
from gateway.service.identity import Caller, StaffIdentity
from gateway.service.parts import client_ip, parts_of
from gateway.service.unit_of_work import GatewayUnitOfWork
from maitred_platform.problems import Problem

router = APIRouter(prefix="/v1")


class RegisterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, examples=["alex@example.com"])
    password: str = Field(max_length=1024, description="10 to 128 characters.")
    name: str = Field(max_length=200)


class StaffOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str


class TokenBody(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class MembershipOut(BaseModel):
    restaurant_id: uuid.UUID
    role: Role


class MeOut(StaffOut):
    memberships: list[MembershipOut]


class MemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    role: Role


class MemberOut(BaseModel):
    restaurant_id: uuid.UUID
    staff_id: uuid.UUID
    email: str
    name: str
    role: Role


async def current_staff(request: Request) -> StaffIdentity:
    parts = parts_of(request)
    caller = await parts.identities.caller(request.headers.get("authorization"), client_ip(request))
    if caller.staff is None:
        raise Problem(
            401, "Staff authentication is required.", headers={"WWW-Authenticate": "Bearer"}
        )
    await parts.limiter.enforce(
        checks_for(
            "default",
            client_for(staff_id=str(caller.staff.staff_id), diner_token=None, ip=caller.ip),
        )
    )
    return caller.staff


CurrentStaff = Annotated[StaffIdentity, Depends(current_staff)]


async def unit_of_work(request: Request) -> GatewayUnitOfWork:
    # On the session factory: a connection is taken only inside the unit, not while the
    # route checks limits, hashes a password or waits for another service.
    return GatewayUnitOfWork(request.app.state.sessions)


UnitOfWorkDep = Annotated[GatewayUnitOfWork, Depends(unit_of_work)]


@router.post("/auth/register", status_code=201, response_model=StaffOut, tags=["staff accounts"])
async def register(body: RegisterBody, request: Request, uow: UnitOfWorkDep) -> StaffOut:
    parts = parts_of(request)
    ip = client_ip(request)
    await parts.limiter.enforce(
        checks_for("auth_register", client_for(staff_id=None, diner_token=None, ip=ip))
    )
    account = await accounts.register(uow, Register(body.email, body.password, body.name))
    return StaffOut(id=account.id, email=account.email, name=account.name)


@router.post("/auth/token", response_model=TokenOut, tags=["staff accounts"])
async def token(body: TokenBody, request: Request, uow: UnitOfWorkDep) -> TokenOut:
    parts = parts_of(request)
    await parts.limiter.enforce(login_checks(body.email.strip().lower(), client_ip(request)))
    issued = await accounts.log_in(
        uow, parts.ring, parts.settings.jwt_ttl_seconds, LogIn(body.email, body.password)
    )
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/auth/me", response_model=MeOut, tags=["staff accounts"])
async def me(staff: CurrentStaff, uow: UnitOfWorkDep) -> MeOut:
    found = await accounts.profile(uow, staff.staff_id)
    return MeOut(
        id=found.account.id,
        email=found.account.email,
        name=found.account.name,
        memberships=[
            MembershipOut(restaurant_id=rid, role=role)
            for rid, role in sorted(found.memberships.items())
        ],
    )


@router.post(
    "/restaurants/{restaurant_id}/members",
    status_code=201,
    response_model=MemberOut,
    tags=["restaurants"],
)
async def add_member(
    restaurant_id: uuid.UUID,
    body: MemberBody,
    staff: CurrentStaff,
    request: Request,
    uow: UnitOfWorkDep,
) -> MemberOut:
    """Owner only: gives an existing staff account a role in this restaurant."""
    parts = parts_of(request)
    caller = await parts.identities.with_fresh_memberships(
        Caller(staff, None, client_ip(request)), restaurant_id
    )
    assert caller.staff is not None
    member = await accounts.add_member(
        uow, AddMember(caller.staff.principal, restaurant_id, body.email, body.role)
    )
    parts.identities.forget(member.staff_id)
    return MemberOut(
        restaurant_id=member.restaurant_id,
        staff_id=member.staff_id,
        email=member.email,
        name=member.name,
        role=member.role,
    )


# Documented by reservations (the merged /openapi.json takes the operation from there).
@router.post("/restaurants", include_in_schema=False)
async def open_restaurant(request: Request, uow: UnitOfWorkDep) -> Response:
    """Forwarded to reservations like any call; on 201 the caller becomes the owner."""
    proxy = parts_of(request).proxy
    call = await incoming_call(request)
    admitted = await proxy.admit(call)  # staff only: anyone else is refused here
    assert admitted.caller.staff is not None
    staff_id = admitted.caller.staff.staff_id
    answer = await restaurants.open_restaurant(
        uow, OpenRestaurant(staff_id), lambda: proxy.send(call, admitted)
    )
    parts_of(request).identities.forget(staff_id)
    return response_of(answer)
