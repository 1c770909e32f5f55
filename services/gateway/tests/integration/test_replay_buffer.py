"""The replay buffer on a real Redis: what a resume gets while this gateway's feed starts."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gateway.adapters import replay
from gateway.adapters.redis_link import RedisLink
from gateway.adapters.replay import ReplayBuffer


@pytest.fixture
def link(redis_url: str) -> RedisLink:
    return RedisLink(redis_url, f"maitred:test:{uuid.uuid4().hex[:8]}", timeout_seconds=1)


@pytest.fixture
async def buffer(link: RedisLink) -> ReplayBuffer:
    """The restarted gateway's buffer; the other gateway kept the feed going meanwhile."""
    other = ReplayBuffer(link, max_len=100, ttl_seconds=60)
    await other.feed_alive()
    return ReplayBuffer(link, max_len=100, ttl_seconds=60)


async def test_a_resume_to_a_gateway_just_started_waits_for_its_feed_then_replays(
    buffer: ReplayBuffer,
) -> None:
    """Clients of a restarted gateway come back at once: they get the events they missed,
    not a resync, once its feed is confirmed a moment later."""
    channel = "restaurant:" + str(uuid.uuid4())
    await buffer.append(channel, "e1", '{"id": "e1"}')
    await buffer.append(channel, "e2", '{"id": "e2"}')
    assert not buffer.confirmed

    resume = asyncio.create_task(buffer.since(channel, "e1"))
    await asyncio.sleep(0.3)
    assert not resume.done()
    await buffer.feed_alive()

    assert await asyncio.wait_for(resume, 2) == ['{"id": "e2"}']


async def test_a_resume_is_told_to_resync_when_the_feed_never_comes(
    buffer: ReplayBuffer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "CONFIRM_WAIT_SECONDS", 0.2)
    channel = "restaurant:" + str(uuid.uuid4())
    await buffer.append(channel, "e1", '{"id": "e1"}')
    await buffer.append(channel, "e2", '{"id": "e2"}')

    assert await buffer.since(channel, "e1") is None
