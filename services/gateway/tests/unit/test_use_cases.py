"""The gateway's own use cases, on the fake unit of work: what a caller gets back or is refused."""

from __future__ import annotations

import json
import uuid

import pytest

from gateway.adapters.upstream import UpstreamResponse
from gateway.domain.accounts import Role
from gateway.domain.tokens import KeyRing, verify_token
from gateway.service import accounts, restaurants
from gateway.service.commands import AddMember, LogIn, OpenRestaurant, Register
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem

from .fakes import FakeGatewayUnitOfWork

PASSWORD = "correct horse battery"


async def registered(uow: FakeGatewayUnitOfWork, email: str) -> accounts.Account:
    return await accounts.register(uow, Register(email, PASSWORD, "Sam"))


def principal_of(staff_id: uuid.UUID, **roles: Role) -> Principal:
    return Principal(staff_id, {uuid.UUID(rid): role for rid, role in roles.items()})


async def test_register_stores_the_account_with_its_email_lower_cased() -> None:
    uow = FakeGatewayUnitOfWork()
    account = await registered(uow, "  Alex@Example.com ")
    assert account.email == "alex@example.com" and account.name == "Sam"
    stored = await uow.accounts.by_id(account.id)
    assert stored is not None and stored.password_hash != PASSWORD
    assert uow.commits == 1 and uow.published == []  # the gateway publishes nothing


async def test_registering_an_email_twice_is_refused_whatever_its_case() -> None:
    uow = FakeGatewayUnitOfWork()
    await registered(uow, "alex@example.com")
    with pytest.raises(Problem) as refused:
        await registered(uow, "ALEX@example.com")
    assert refused.value.status == 409
    assert (uow.commits, uow.rollbacks, len(uow.accounts.staff)) == (1, 1, 1)


async def test_a_weak_password_is_refused_before_anything_is_stored() -> None:
    uow = FakeGatewayUnitOfWork()
    with pytest.raises(Problem) as refused:
        await accounts.register(uow, Register("sam@example.com", "short", " "))
    assert refused.value.status == 422
    assert {e["field"] for e in refused.value.errors or []} == {"password", "name"}
    assert uow.accounts.staff == {}


async def test_logging_in_gives_a_token_of_the_account_and_a_wrong_password_a_401() -> None:
    uow = FakeGatewayUnitOfWork()
    account = await registered(uow, "alex@example.com")
    ring = KeyRing("k1", "s" * 40, {}, "maitred-api", "maitred-gateway")
    issued = await accounts.log_in(uow, ring, 60, LogIn("Alex@example.com", PASSWORD))
    assert verify_token(ring, issued.access_token).staff_id == account.id
    for email, password in (("alex@example.com", "not the password"), ("bo@example.com", PASSWORD)):
        with pytest.raises(Problem) as refused:
            await accounts.log_in(uow, ring, 60, LogIn(email, password))
        assert refused.value.status == 401


async def test_an_owner_adds_a_host_who_then_has_the_restaurant() -> None:
    uow = FakeGatewayUnitOfWork()
    owner, host = await registered(uow, "owner@example.com"), await registered(uow, "h@example.com")
    rid = uuid.uuid4()
    command = AddMember(principal_of(owner.id, **{str(rid): "owner"}), rid, "H@example.com", "host")
    member = await accounts.add_member(uow, command)
    assert member == accounts.Member(rid, host.id, "h@example.com", "Sam", "host")
    assert (await accounts.profile(uow, host.id)).memberships == {rid: "host"}


async def test_a_host_may_not_add_members_and_a_non_member_learns_nothing() -> None:
    uow = FakeGatewayUnitOfWork()
    host, other = await registered(uow, "h@example.com"), await registered(uow, "o@example.com")
    rid = uuid.uuid4()
    by_host = AddMember(principal_of(host.id, **{str(rid): "host"}), rid, other.email, "owner")
    by_stranger = AddMember(principal_of(other.id), rid, host.email, "owner")
    unknown_email = AddMember(principal_of(host.id, **{str(rid): "owner"}), rid, "x@x.io", "host")
    for command, status in ((by_host, 403), (by_stranger, 404), (unknown_email, 404)):
        with pytest.raises(Problem) as refused:
            await accounts.add_member(uow, command)
        assert refused.value.status == status
    assert uow.accounts.roles == {}


class Reservations:
    """Stands in for the forward to reservations: one fixed answer, and how often it was asked."""

    def __init__(self, status: int, body: object) -> None:
        self.answer = UpstreamResponse(
            status, [("content-type", "application/json")], json.dumps(body).encode()
        )
        self.calls = 0

    async def __call__(self) -> UpstreamResponse:
        self.calls += 1
        return self.answer


async def test_opening_a_restaurant_makes_the_caller_its_owner() -> None:
    uow = FakeGatewayUnitOfWork()
    staff = await registered(uow, "owner@example.com")
    rid = uuid.uuid4()
    answer = await restaurants.open_restaurant(
        uow,
        OpenRestaurant(staff.id),
        Reservations(201, {"id": str(rid), "name": "Chez"}),
    )
    assert answer.status == 201 and json.loads(answer.body)["id"] == str(rid)
    assert (await accounts.profile(uow, staff.id)).memberships == {rid: "owner"}


async def test_a_restaurant_the_service_refused_makes_no_membership() -> None:
    uow = FakeGatewayUnitOfWork()
    staff = await registered(uow, "owner@example.com")
    refused = {"status": 422, "errors": [{"field": "timezone", "message": "unknown"}]}
    answer = await restaurants.open_restaurant(
        uow,
        OpenRestaurant(staff.id),
        Reservations(422, refused),
    )
    assert answer.status == 422 and json.loads(answer.body) == refused
    assert uow.accounts.roles == {} and uow.commits == 1  # the registration only


async def test_an_account_that_is_gone_opens_no_restaurant() -> None:
    uow = FakeGatewayUnitOfWork()
    reservations = Reservations(201, {"id": str(uuid.uuid4())})
    with pytest.raises(Problem) as refused:
        await restaurants.open_restaurant(uow, OpenRestaurant(uuid.uuid4()), reservations)
    assert refused.value.status == 401
    assert reservations.calls == 0
