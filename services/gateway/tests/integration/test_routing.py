"""Routing through the gateway: what reaches a service, who is refused early, failures."""

from __future__ import annotations

import asyncio
import socket
import uuid

from maitred_platform.principal import verify_principal
from tests.conftest import (
    RunningGateway,
    StandIn,
    last_seen,
    new_restaurant,
    new_staff,
    run_gateway,
)


async def test_staff_call_reaches_the_owner_with_a_signed_principal(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        rid = await new_restaurant(client, staff)
        answer = await client.patch(
            f"/v1/restaurants/{rid}/tables/abc?x=1&y=%20z",
            json={"status": "cleaning"},
            headers={**staff.headers, "X-Request-Id": "req-123", "X-Maitred-Principal": "forged"},
        )
        assert answer.status_code == 200
        assert answer.headers["x-request-id"] == "req-123"
        seen = last_seen(stand_ins["reservations"])
        assert seen["method"] == "PATCH" and seen["path"] == f"/v1/restaurants/{rid}/tables/abc"
        assert seen["query"] == "x=1&y=%20z"
        assert seen["body"] == '{"status":"cleaning"}'
        assert seen["headers"]["x-request-id"] == "req-123"
        assert "authorization" not in seen["headers"]  # the staff JWT stays at the gateway
        principal = verify_principal(
            seen["headers"]["x-maitred-principal"], gateway.settings.internal_key
        )
        assert str(principal.staff_id) == staff.id
        assert principal.role_in(uuid.UUID(rid)) == "owner"


async def test_each_path_goes_to_its_owning_service(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)
        rid = await new_restaurant(client, staff)
        expected = {
            f"/v1/restaurants/{rid}": "reservations",
            f"/v1/restaurants/{rid}/slots": "reservations",
            f"/v1/restaurants/{rid}/waitlist": "waitlist",
            f"/v1/restaurants/{rid}/waitlist/settings": "waitlist",
            f"/v1/parties/{uuid.uuid4()}": "waitlist",
            f"/v1/reservations/{uuid.uuid4()}": "reservations",
            f"/v1/restaurants/{rid}/notifications": "notifier",
            f"/v1/restaurants/{rid}/webhooks": "notifier",
        }
        for path, service in expected.items():
            answer = await client.get(path, headers=staff.headers)
            assert answer.status_code == 200, path
            assert answer.json()["service"] == service, path
        unknown = await client.get("/v1/nothing-here")
        assert unknown.status_code == 404
        internal = await client.get("/internal/v1/party-tokens/verify")
        assert internal.status_code == 404


async def test_diner_token_passes_through_untouched(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        pid = uuid.uuid4()
        answer = await client.get(
            f"/v1/parties/{pid}", headers={"Authorization": "Bearer pty_secret-token"}
        )
        assert answer.status_code == 200
        seen = last_seen(stand_ins["waitlist"])
        assert seen["headers"]["authorization"] == "Bearer pty_secret-token"
        assert "x-maitred-principal" not in seen["headers"]


async def test_staff_of_another_restaurant_gets_404_on_its_staff_routes(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        owner = await new_staff(client)
        other = await new_staff(client)
        rid = await new_restaurant(client, owner)
        before = len(stand_ins["reservations"].seen) + len(stand_ins["waitlist"].seen)
        staff_routes = [
            ("GET", f"/v1/restaurants/{rid}/tables"),
            ("POST", f"/v1/restaurants/{rid}/tables"),
            ("PATCH", f"/v1/restaurants/{rid}"),
            ("GET", f"/v1/restaurants/{rid}/reservations?date=2030-01-01"),
            ("GET", f"/v1/restaurants/{rid}/waitlist/parties"),
            ("PATCH", f"/v1/restaurants/{rid}/waitlist/settings"),
            ("GET", f"/v1/restaurants/{rid}/notifications"),
            ("GET", f"/v1/restaurants/{rid}/webhooks"),
        ]
        for method, path in staff_routes:
            answer = await client.request(method, path, json={}, headers=other.headers)
            assert answer.status_code == 404, (method, path)
            anonymous = await client.request(method, path, json={})
            assert anonymous.status_code == 401, (method, path)
            diner = await client.request(
                method, path, json={}, headers={"Authorization": "Bearer pty_whatever"}
            )
            assert diner.status_code == 403, (method, path)
        after = len(stand_ins["reservations"].seen) + len(stand_ins["waitlist"].seen)
        assert after == before  # none of them reached a service


async def test_public_routes_are_open_to_anyone(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        owner = await new_staff(client)
        other = await new_staff(client)
        rid = await new_restaurant(client, owner)
        for headers in ({}, other.headers):
            assert (await client.get(f"/v1/restaurants/{rid}", headers=headers)).status_code == 200
            slots = await client.get(f"/v1/restaurants/{rid}/slots?date=2030-01-01&party_size=2")
            assert slots.status_code == 200
            summary = await client.get(f"/v1/restaurants/{rid}/waitlist", headers=headers)
            assert summary.status_code == 200
            join = await client.post(
                f"/v1/restaurants/{rid}/waitlist/parties",
                json={"name": "A", "party_size": 2},
                headers=headers,
            )
            assert join.status_code == 200
            book = await client.post(
                f"/v1/restaurants/{rid}/reservations", json={"party_size": 2}, headers=headers
            )
            assert book.status_code == 200


async def test_creating_a_restaurant_needs_staff(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        answer = await client.post("/v1/restaurants", json={"name": "x"})
        assert answer.status_code == 401


async def test_oversized_body_is_413_and_never_forwarded(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        before = len(stand_ins["waitlist"].seen)
        rid = uuid.uuid4()
        big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
        answer = await client.post(
            f"/v1/restaurants/{rid}/waitlist/parties",
            content=big,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.headers["content-type"] == "application/problem+json"

        async def chunks():  # no Content-Length: counted while it streams
            for _ in range(20):
                yield b"x" * 65536

        streamed = await client.post(
            f"/v1/restaurants/{rid}/waitlist/parties",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        assert len(stand_ins["waitlist"].seen) == before


async def test_malformed_json_is_a_400_problem_and_never_forwarded(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway.client() as client:
        before = len(stand_ins["waitlist"].seen)
        answer = await client.post(
            f"/v1/restaurants/{uuid.uuid4()}/waitlist/parties",
            content=b'{"name": "A", "party_size": ',
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 400
        assert answer.json()["status"] == 400
        assert len(stand_ins["waitlist"].seen) == before
        own = await client.post(
            "/v1/auth/token", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        assert own.status_code == 400


async def test_slow_service_is_504_and_dropped_answer_is_502(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        slow = await client.get(f"/v1/parties/{uuid.uuid4()}/slow", headers=_diner())
        assert slow.status_code == 504
        assert slow.headers["content-type"] == "application/problem+json"
        garbage = await client.get(f"/v1/parties/{uuid.uuid4()}/garbage", headers=_diner())
        assert garbage.status_code == 502


async def test_down_service_is_503_and_a_refusing_instance_is_skipped(
    make_settings, stand_ins: dict[str, StandIn]
) -> None:
    # Bound but not listening for the whole test: connections are refused, as by a stopped
    # instance, and no other process can take the port meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        dead = held.getsockname()[1]
        settings = make_settings(
            waitlist_url=f"http://127.0.0.1:{dead}",
            reservations_url=f"http://127.0.0.1:{dead},{stand_ins['reservations'].url}",
            redis_prefix=make_settings().redis_prefix + "down:",
        )
        async with run_gateway(settings) as other, other.client() as client:
            down = await client.get(f"/v1/parties/{uuid.uuid4()}", headers=_diner())
            assert down.status_code == 503
            assert down.headers["retry-after"]
            for _ in range(4):  # every call lands, whichever instance is next in turn
                up = await client.get(f"/v1/reservations/{uuid.uuid4()}", headers=_diner())
                assert up.status_code == 200
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["service:waitlist"]["ok"] is False


async def test_merged_openapi_covers_public_paths_only(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        doc = (await client.get("/openapi.json")).json()
        paths = doc["paths"]
        assert "/v1/auth/token" in paths and "/v1/restaurants/{restaurant_id}/members" in paths
        assert "/v1/restaurants/{restaurant_id}/tables" in paths
        assert "/v1/restaurants/{restaurant_id}/waitlist/parties" in paths
        assert "/v1/restaurants/{restaurant_id}/notifications" in paths
        assert not [p for p in paths if p.startswith("/internal")]
        assert set(doc["components"]["securitySchemes"]) == {"staffToken", "dinerToken"}
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_concurrent_calls_all_answer(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        answers = await asyncio.gather(
            *(client.get(f"/v1/parties/{uuid.uuid4()}", headers=_diner()) for _ in range(50))
        )
        assert {a.status_code for a in answers} == {200}


def _diner() -> dict[str, str]:
    return {"Authorization": f"Bearer pty_{uuid.uuid4().hex}"}
