"""The routing table: owner service and access rule of every public path."""

from __future__ import annotations

import uuid

import pytest

from gateway.domain.routing import resolve

RID = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("method", "path", "service", "access"),
    [
        ("GET", "/v1/restaurants", "reservations", "public"),
        ("POST", "/v1/restaurants", "reservations", "staff"),
        ("GET", f"/v1/restaurants/{RID}", "reservations", "public"),
        ("PATCH", f"/v1/restaurants/{RID}", "reservations", "staff"),
        ("GET", f"/v1/restaurants/{RID}/slots", "reservations", "public"),
        ("POST", f"/v1/restaurants/{RID}/reservations", "reservations", "public"),
        ("GET", f"/v1/restaurants/{RID}/reservations", "reservations", "staff"),
        ("DELETE", f"/v1/restaurants/{RID}/tables/x", "reservations", "staff"),
        ("POST", "/v1/reservations/lookup", "reservations", "public"),
        ("DELETE", f"/v1/reservations/{RID}", "reservations", "credential"),
        ("GET", f"/v1/restaurants/{RID}/waitlist", "waitlist", "public"),
        ("POST", f"/v1/restaurants/{RID}/waitlist/parties", "waitlist", "public"),
        ("GET", f"/v1/restaurants/{RID}/waitlist/parties", "waitlist", "staff"),
        ("PATCH", f"/v1/restaurants/{RID}/waitlist/settings", "waitlist", "staff"),
        ("POST", f"/v1/parties/{RID}/check-in", "waitlist", "credential"),
        ("GET", f"/v1/restaurants/{RID}/notifications", "notifier", "staff"),
        ("POST", f"/v1/restaurants/{RID}/webhooks", "notifier", "staff"),
        ("POST", "/v1/sms/inbound", "notifier", "public"),
    ],
)
def test_path_goes_to_its_owner_with_its_access_rule(
    method: str, path: str, service: str, access: str
) -> None:
    route = resolve(method, path)
    assert route is not None
    assert (route.service, route.access) == (service, access)


def test_unknown_and_internal_paths_are_not_routed() -> None:
    assert resolve("GET", "/internal/v1/party-tokens/verify") is None
    assert resolve("GET", "/v1/restaurantsX") is None
    assert resolve("GET", "/health/ready") is None


def test_joins_and_bookings_have_their_own_rate_group_only_when_posted() -> None:
    assert resolve("POST", f"/v1/restaurants/{RID}/waitlist/parties").rate_group == "joins"
    assert resolve("GET", f"/v1/restaurants/{RID}/waitlist/parties").rate_group == "default"
    assert resolve("POST", f"/v1/restaurants/{RID}/reservations").rate_group == "bookings"
