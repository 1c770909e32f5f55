"""The fault tests' stack: every service as a process, its servers behind proxies.

One stack serves the whole package (starting one costs seconds); each test leaves it ready
again, which is itself checked. It has two waitlist instances (so the relay can move) and two
gateway instances (so realtime clients can move); rate limits are off except where a test
turns them on.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from attacks.hostile import leaks
from support import Api, EventTap

from .chaos import FaultStack, fault_stack


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: injects a fault into a running stack (make test-faults runs them all)"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed test prints the stack's error lines: what the services said went wrong."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed or "chaos" not in request.fixturenames:
        return
    lines = request.getfixturevalue("chaos").logs
    if dump := os.environ.get("MAITRED_FAULT_LOGS"):  # every line, for a closer look
        Path(dump).write_text("\n".join(lines))
    errors = [brief(line) for line in lines if '"level": "error"' in line or "Traceback" in line]
    print("\n".join(errors[-30:] or lines[-80:]))


def brief(line: str) -> str:
    """A log line with only the end of its traceback: the exception that was raised."""
    prefix, _, raw = line.partition(" | ")
    try:
        record = json.loads(raw)
    except ValueError:
        return line[-600:]
    if "exception" in record:
        record["exception"] = record["exception"][-700:]
    return f"{prefix} | {json.dumps(record)}"


@pytest.fixture(scope="package")
async def chaos(
    postgres_admin_url: str, amqp_server_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[FaultStack]:
    name = f"maitred_test_{test_run_id}_faults"
    async with fault_stack(
        postgres_admin_url,
        amqp_server_url,
        redis_url,
        name,
        extra_instances={"waitlist": 1, "gateway": 1},
    ) as running:
        yield running
        # Every test is done: none of the phones and tokens they used may be in a log line.
        assert leaks(running.logs, running.secrets) == {}


@pytest.fixture
async def client(chaos: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=chaos.gateway, timeout=20, limits=limits) as http:
        yield http


@pytest.fixture
async def tap(chaos: FaultStack) -> AsyncIterator[EventTap]:
    """An integrator's queue, straight on the broker (it is not behind the stack's proxy)."""
    async with EventTap.listening(chaos.direct_amqp_url) as listening:
        yield listening


@pytest.fixture
async def ready_first(chaos: FaultStack) -> None:
    """Every test starts from a healthy stack, whatever the one before it did."""
    for proxy in (chaos.amqp, chaos.reservations_db, chaos.redis):
        proxy.unblackhole()
        proxy.release()
        proxy.restore()
    await chaos.ready_within(60)


async def new_restaurant(
    client: httpx.AsyncClient,
    tables: list[dict[str, Any]],
    *,
    settings: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An owner with a restaurant and its tables, known to the waitlist; returns ids/headers."""
    api = Api(client)
    _, owner = await api.staff(f"owner-{uuid.uuid4().hex[:6]}")
    rid = await api.restaurant(owner, tables, **extra)
    for _ in range(200):
        r = await client.get(f"/v1/restaurants/{rid}/waitlist")
        if r.status_code == 200:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"the waitlist never learnt of restaurant {rid}")
    if settings:
        r = await client.patch(
            f"/v1/restaurants/{rid}/waitlist/settings", json=settings, headers=owner
        )
        assert r.status_code == 200, r.text
    r = await client.get(f"/v1/restaurants/{rid}/tables", headers=owner)
    assert r.status_code == 200, r.text
    return {"rid": rid, "owner": owner, "tables": r.json()["items"]}
