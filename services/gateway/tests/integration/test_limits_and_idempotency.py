"""Rate limits and Idempotency-Key through the gateway, and what happens when Redis is gone."""

from __future__ import annotations

import asyncio
import uuid

from maitred_messaging.testing import TcpProxy, wait_until
from tests.conftest import RunningGateway, StandIn, new_staff, run_gateway

# Each limit is checked with one burst of requests: the limiter's windows are on the clock,
# and requests spread over seconds across a window's end would be counted partly in the
# window before (weighted by what is left of it), so a sequence could pass by timing alone.


async def test_joins_from_one_address_are_limited_with_retry_after(
    gateway: RunningGateway,
) -> None:
    rid = uuid.uuid4()
    async with gateway.client(ip="192.0.2.10") as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/v1/restaurants/{rid}/waitlist/parties", json={"name": "A", "party_size": 2}
                )
                for _ in range(31)
            )
        )
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 30  # a busy door on shared Wi-Fi
    refused = [a for a in answers if a.status_code != 200]
    assert [a.status_code for a in refused] == [429]
    assert int(refused[0].headers["retry-after"]) >= 1
    assert refused[0].headers["content-type"] == "application/problem+json"


async def test_one_phone_cannot_join_over_and_over(gateway: RunningGateway) -> None:
    rid = uuid.uuid4()
    body = {"name": "A", "party_size": 2, "phone": "+14155550123"}

    async def join() -> int:  # each from another address: the phone is what repeats
        async with gateway.client() as client:
            answer = await client.post(f"/v1/restaurants/{rid}/waitlist/parties", json=body)
            return answer.status_code

    statuses = await asyncio.gather(*(join() for _ in range(6)))
    assert sorted(statuses) == [200] * 5 + [429]


async def test_host_tablet_adds_walk_ins_beyond_the_diner_limit(
    gateway: RunningGateway,
) -> None:
    async with gateway.client(ip="192.0.2.11") as client:
        host = await new_staff(client)
        rid = uuid.uuid4()
        statuses = [
            (
                await client.post(
                    f"/v1/restaurants/{rid}/waitlist/parties",
                    json={"name": "Walk-in", "party_size": 2},
                    headers=host.headers,
                )
            ).status_code
            for _ in range(40)
        ]
    assert set(statuses) == {200}


async def test_login_attempts_on_one_account_are_limited(gateway: RunningGateway) -> None:
    async with gateway.client() as client:
        staff = await new_staff(client)

    async def guess() -> int:
        async with gateway.client() as client:  # spread over addresses, like a botnet
            answer = await client.post(
                "/v1/auth/token", json={"email": staff.email, "password": "guess guess guess"}
            )
            return answer.status_code

    statuses = await asyncio.gather(*(guess() for _ in range(11)))
    # Ten attempts a minute per account, the staff member's own sign-in among them.
    assert sorted(statuses) == [401] * 9 + [429] * 2


async def test_retry_with_idempotency_key_replays_the_first_answer(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    path = f"/v1/parties/{uuid.uuid4()}/created"
    headers = {"Idempotency-Key": uuid.uuid4().hex, "Authorization": "Bearer pty_abc"}
    async with gateway.client() as client:
        before = len(stand_ins["waitlist"].seen)
        first = await client.post(path, json={"name": "A"}, headers=headers)
        retry = await client.post(path, json={"name": "A"}, headers=headers)
        assert first.status_code == retry.status_code == 201
        assert first.json() == retry.json()
        assert retry.headers["location"] == "/x"
        assert retry.headers["idempotent-replayed"] == "true"
        assert len(stand_ins["waitlist"].seen) == before + 1  # acted once
        other_body = await client.post(path, json={"name": "B"}, headers=headers)
        assert other_body.status_code == 422


async def test_the_key_goes_on_to_the_service_scoped_to_the_caller(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    """After a 503 the gateway keeps nothing: the retry reaches the service with the same
    key, for the service to find what the first request may have done meanwhile."""
    path = f"/v1/parties/{uuid.uuid4()}/unavailable"
    key = uuid.uuid4().hex
    seen = stand_ins["waitlist"].seen
    async with gateway.client() as client:
        for token in ("pty_one", "pty_one", "pty_two"):
            headers = {"Idempotency-Key": key, "Authorization": f"Bearer {token}"}
            answer = await client.post(path, json={"name": "A"}, headers=headers)
            assert answer.status_code == 503
        unkeyed = await client.post(path, json={}, headers={"Authorization": "Bearer pty_one"})
        assert unkeyed.status_code == 503
    forwarded = [r["headers"].get("idempotency-key") for r in seen if r["path"] == path]
    assert len(forwarded) == 4
    one, retry, other, none = forwarded
    assert one == retry and one is not None and key not in one  # scoped, and stable
    assert other is not None and other != one  # another caller's key is another key
    assert none is None


async def test_concurrent_duplicate_gets_409_while_the_first_is_in_flight(
    gateway: RunningGateway, stand_ins: dict[str, StandIn]
) -> None:
    path = f"/v1/parties/{uuid.uuid4()}/slow"
    headers = {"Idempotency-Key": uuid.uuid4().hex, "Authorization": "Bearer pty_abc"}

    async def first_reached_the_service() -> bool:
        return any(r["path"] == path for r in stand_ins["waitlist"].seen)

    async with gateway.client() as client:
        first = asyncio.create_task(client.post(path, json={}, headers=headers))
        # The gateway claims the key before it forwards: once the service has the first
        # request, the key is held until the first answer (a timeout here) comes back.
        await wait_until(first_reached_the_service, timeout=10, interval=0.01)
        duplicate = await client.post(path, json={}, headers=headers)
        assert duplicate.status_code == 409
        assert (await first).status_code == 504
        # The first one timed out, so nothing is kept: a retry may act.
        again = await client.post(path, json={}, headers=headers)
        assert again.status_code == 504


async def test_redis_down_rate_limits_fail_open_idempotency_fails_closed(
    make_settings, stand_ins: dict[str, StandIn]
) -> None:
    proxy = await TcpProxy("127.0.0.1", 6379).start()
    settings = make_settings(
        redis_url=f"redis://127.0.0.1:{proxy.port}/0",
        redis_prefix=make_settings().redis_prefix + "cut:",
    )
    try:
        async with run_gateway(settings) as other, other.client(ip="192.0.2.12") as client:
            rid = uuid.uuid4()
            join = f"/v1/restaurants/{rid}/waitlist/parties"
            assert (await client.post(join, json={"name": "A"})).status_code == 200
            proxy.cut()
            statuses = [
                (await client.post(join, json={"name": "A"})).status_code for _ in range(35)
            ]
            assert set(statuses) == {200}  # no limit without Redis, but still served
            keyed = await client.post(join, json={"name": "A"}, headers={"Idempotency-Key": "k-1"})
            assert keyed.status_code == 503
            assert keyed.headers["retry-after"]
            ready = await client.get("/health/ready")
            assert ready.json()["checks"]["redis"]["ok"] is False
            metrics = await client.get("/metrics")
            assert 'gateway_redis_unavailable_total{use="rate_limit"}' in metrics.text
    finally:
        await proxy.close()
