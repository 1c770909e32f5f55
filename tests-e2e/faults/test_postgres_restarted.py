"""Postgres restarted in `immediate` mode during a rush of bookings (fault 4), for real.

The stack runs on a PostgreSQL cluster of the test's own, which is stopped in immediate
mode mid-rush (every connection dropped, no checkpoint), kept down a few seconds and started
again (crash recovery). Clients get 503 with Retry-After meanwhile, never a 500; the pools
recover by themselves; every diner ends with exactly one booking, each heard of once; no
two bookings of a table overlap.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from support import EventTap

from .chaos import FaultStack, fault_stack, sized
from .private_postgres import PrivatePostgres, available
from .test_database import booking_rush

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[PrivatePostgres]:
    reason = available()
    if reason:
        pytest.fail(f"no private PostgreSQL cluster: {reason}")
    # Not under pytest's temporary directory: the postgres account must reach the files.
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="maitred-pg-")))
    await server.create()
    try:
        yield server
    finally:
        await server.remove()


@pytest.fixture(scope="module")
async def crashable(
    cluster: PrivatePostgres, amqp_server_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[FaultStack]:
    name = f"maitred_test_{test_run_id}_pgcrash"
    async with fault_stack(cluster.admin_url, amqp_server_url, redis_url, name) as running:
        yield running


@pytest.fixture
async def client(crashable: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=crashable.gateway, timeout=20, limits=limits) as http:
        yield http


async def test_postgres_restarted_in_immediate_mode_during_bookings(
    cluster: PrivatePostgres, crashable: FaultStack, client: httpx.AsyncClient
) -> None:
    async def outage() -> None:
        await cluster.stop_immediately()
        await asyncio.sleep(sized(4, 8))
        await cluster.start()

    async with EventTap.listening(crashable.direct_amqp_url) as tap:
        await booking_rush(crashable, client, tap, outage)
