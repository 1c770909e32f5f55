"""Fixtures of the whole-system tests: the stack as processes, a client, an event tap."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import Api, EventTap


@pytest.fixture
async def gateway(stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
        yield client


@pytest.fixture
def api(gateway) -> Api:
    return Api(gateway)


@pytest.fixture
async def events(stack) -> AsyncIterator[EventTap]:
    async with EventTap.listening(stack.amqp_url) as tap:
        yield tap
