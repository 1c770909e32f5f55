"""The replay buffer on a real Redis: what a resume gets while this gateway's feed starts."""

from __future__ import annotations

import asyncio
import json
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


def to(channel: str) -> str:
    return json.dumps({"id": "e1", "to": channel})


async def test_one_event_for_many_channels_is_replayed_once_on_each_in_order(
    buffer: ReplayBuffer,
) -> None:
    """A queue snapshot goes to the restaurant and to every party in the queue at once."""
    await buffer.feed_alive()
    channels = [f"party:{uuid.uuid4()}" for _ in range(5)]
    for channel in channels:
        await buffer.append(channel, "before", '{"id": "before"}')

    await buffer.append_event("e1", [(c, to(c)) for c in channels])
    await buffer.append_event("e1", [(c, '{"id": "e1", "again": true}') for c in channels])
    await buffer.append_event("e2", [(channels[0], '{"id": "e2"}')])

    assert await buffer.since(channels[0], "before") == [
        to(channels[0]),
        '{"id": "e2"}',
    ]
    for channel in channels[1:]:
        assert await buffer.since(channel, "before") == [to(channel)]


async def test_appends_go_on_when_redis_no_longer_holds_the_script(
    link: RedisLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a Redis restart its scripts are gone: the buffer loads its own again."""
    never_loaded = replay._APPEND + f"\n-- {uuid.uuid4()}\n"
    monkeypatch.setattr(replay, "_APPEND", never_loaded)
    buffer = ReplayBuffer(link, max_len=100, ttl_seconds=60)
    await buffer.feed_alive()
    channel = "restaurant:" + str(uuid.uuid4())

    await buffer.append_event("e1", [(channel, '{"id": "e1"}')])
    await buffer.append_event("e2", [(channel, '{"id": "e2"}')])

    assert link.available()
    assert await buffer.since(channel, "e1") == ['{"id": "e2"}']
