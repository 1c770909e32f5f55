"""The one staff check: 404 for a restaurant the caller is not a member of, 403 for a role short."""

from __future__ import annotations

import uuid

import pytest

from maitred_platform.access import require_staff
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem

RESTAURANT = uuid.uuid4()


def member(role: str) -> Principal:
    return Principal(staff_id=uuid.uuid4(), memberships={RESTAURANT: role})  # type: ignore[dict-item]


def refusal(principal: Principal, role: str = "host") -> int | None:
    try:
        require_staff(principal, RESTAURANT, role)  # type: ignore[arg-type]
    except Problem as problem:
        return problem.status
    return None


def test_a_member_of_another_restaurant_is_told_the_restaurant_does_not_exist():
    stranger = Principal(staff_id=uuid.uuid4(), memberships={uuid.uuid4(): "owner"})
    assert refusal(stranger) == 404
    assert refusal(stranger, "owner") == 404


def test_the_not_found_answer_is_the_same_whoever_asks():
    answers = []
    for principal in (Principal(uuid.uuid4()), Principal(uuid.uuid4(), {uuid.uuid4(): "host"})):
        with pytest.raises(Problem) as refused:
            require_staff(principal, RESTAURANT, "owner")
        answers.append((refused.value.status, refused.value.detail))
    assert answers[0] == answers[1]


def test_a_host_may_do_what_hosts_do_but_not_what_needs_an_owner():
    host = member("host")
    assert refusal(host) is None
    assert refusal(host, "owner") == 403


def test_an_owner_may_do_everything_a_host_may():
    owner = member("owner")
    assert refusal(owner) is None
    assert refusal(owner, "owner") is None


def test_a_role_this_code_does_not_know_is_a_member_without_enough_role():
    assert refusal(member("sommelier")) == 403
