"""Fuzz tests run against the stack the attack tests use (started once for both)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from attacks.hostile import hostile_stack


@pytest.fixture(scope="session")
async def target(
    postgres_admin_url: str, amqp_server_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[Any]:
    async for stack in hostile_stack(postgres_admin_url, amqp_server_url, redis_url, test_run_id):
        yield stack


@pytest.fixture
async def client(target: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=target.url("gateway"), timeout=20) as http:
        yield http
