"""A stack of the journeys' own, once with one instance of every service and once with two.

The waitlist's clock runs 30 times faster, so a five-minute check-in window lasts ten
seconds and a party that never comes is released within the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from maitred_testing import running_stack

TIME_SCALE = 30.0


@pytest.fixture(scope="module", params=[1, 2], ids=["one-instance", "two-instances"])
async def journey_stack(
    request, postgres_admin_url, amqp_server_url, redis_url, test_run_id
) -> AsyncIterator[Any]:
    scale = request.param
    name = f"maitred_test_{test_run_id}_journey{scale}"
    # Forty parties join from one test address: rate limits have their own tests.
    env = {"WAITLIST_TIME_SCALE": str(TIME_SCALE), "GATEWAY_RATE_LIMITS_ENABLED": "false"}
    async with running_stack(
        postgres_admin_url, amqp_server_url, redis_url, name, scale=scale, extra_env=env
    ) as stack:
        yield stack


@pytest.fixture
async def client(journey_stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=journey_stack.url("gateway"), timeout=20) as http:
        yield http
