"""Per-channel replay buffers in Redis Streams, written once however many gateways consume.

Every gateway instance sees every event; the first to append an event id to a channel
wins (a `seen` key, set in the same script as the XADD), the others find it already there.
The `seen` key holds the stream entry id, which is how a resume finds its place.

When no gateway at all is consuming (every instance down, or cut from the broker), events
reach no buffer. A gateway that starts consuming and finds no other alive records that
moment as a gap; a resume from before the gap is answered with resync, never with a
replay that silently skips the events of the downtime.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from redis.exceptions import NoScriptError

from gateway.adapters.redis_link import RedisLink

# KEYS: stream, seen. ARGV: maxlen, event id, message, ttl seconds.
_APPEND = """
local existing = redis.call('GET', KEYS[2])
if existing then return existing end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[2], 'm', ARGV[3])
redis.call('SET', KEYS[2], entry, 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return entry
"""

# KEYS: stream, seen. ARGV: max count, gap (ms, 0 for none). Returns the messages after the
# seen entry, or false when that entry is no longer held (trimmed or never buffered) or
# predates a gap in the feed: the client must resync.
_SINCE = """
local entry = redis.call('GET', KEYS[2])
if not entry then return false end
if #redis.call('XRANGE', KEYS[1], entry, entry) == 0 then return false end
local entry_ms = tonumber(string.match(entry, '^(%d+)'))
if entry_ms < tonumber(ARGV[2]) then return false end
local rows = redis.call('XRANGE', KEYS[1], '(' .. entry, '+', 'COUNT', ARGV[1])
local out = {}
for i, row in ipairs(rows) do
  local fields = row[2]
  for j = 1, #fields, 2 do
    if fields[j] == 'm' then out[#out + 1] = fields[j + 1] end
  end
end
return out
"""


# KEYS: alive, gap. ARGV: time to live (ms). A gateway consuming the feed keeps `alive`
# fresh; one that finds it gone marks the present (Redis time, as stream ids) as a gap.
_ALIVE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[2], tostring(now[1] * 1000 + math.floor(now[2] / 1000)))
  return 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
"""
ALIVE_TTL_MS = 2000
CONFIRM_WAIT_SECONDS = 3.0


class ReplayBuffer:
    def __init__(self, link: RedisLink, max_len: int, ttl_seconds: int) -> None:
        self.link = link
        self.max_len = max_len
        self.ttl = ttl_seconds
        self._append = link.client.register_script(_APPEND)
        self._since = link.client.register_script(_SINCE)
        self._alive = link.client.register_script(_ALIVE)
        # Set once this gateway's feed is consuming and any gap is recorded: before that
        # (just started, or cut from the broker) the buffer may lack events, so resync.
        self._confirmed = asyncio.Event()

    @property
    def confirmed(self) -> bool:
        return self._confirmed.is_set()

    async def feed_alive(self) -> None:
        """Called often (well within ALIVE_TTL_MS) while this gateway consumes the feed."""
        if not self.link.available():
            return
        try:
            await self._alive(
                keys=[self.link.key("rt", "feed", "alive"), self.link.key("rt", "feed", "gap")],
                args=[ALIVE_TTL_MS],
            )
            self._confirmed.set()
        except Exception as exc:
            self._confirmed.clear()
            self.link.mark_down("replay_buffer", exc)

    def feed_stopped(self) -> None:
        self._confirmed.clear()

    async def _gap_ms(self) -> int:
        raw = await self.link.client.get(self.link.key("rt", "feed", "gap"))
        return int(raw) if raw else 0

    def _keys(self, channel: str, event_id: str | None = None) -> list[str]:
        # The hash tag keeps one channel's keys in one slot (Redis Cluster).
        tag = "{" + channel + "}"
        return [
            self.link.key("rt", tag, "stream"),
            self.link.key("rt", tag, "seen", event_id or ""),
        ]

    async def append(self, channel: str, event_id: str, message: str) -> None:
        await self.append_event(event_id, [(channel, message)])

    async def append_event(self, event_id: str, messages: Sequence[tuple[str, str]]) -> None:
        """Appends one event's message to each of its channels, in one round trip: a queue
        snapshot goes to every party in the queue, and a call per channel held every later
        event back by as many round trips."""
        if not messages:
            return
        if not self.link.available():
            self.link.skipped("replay_buffer")
            return
        try:
            try:
                await self._append_all(event_id, messages)
            except NoScriptError:  # Redis restarted or flushed its scripts: load, once more
                self._append.sha = await self.link.client.script_load(_APPEND)
                await self._append_all(event_id, messages)
        except Exception as exc:  # live delivery goes on; a resume will get resync
            self.link.mark_down("replay_buffer", exc)

    async def _append_all(self, event_id: str, messages: Sequence[tuple[str, str]]) -> None:
        # EVALSHA straight into a pipeline: a registered script in a pipeline first asks
        # SCRIPT EXISTS, one more round trip each time.
        pipe = self.link.client.pipeline(transaction=False)
        for channel, message in messages:
            keys = self._keys(channel, event_id)
            pipe.evalsha(
                self._append.sha, len(keys), *keys, self.max_len, event_id, message, self.ttl
            )
        await pipe.execute()

    async def since(self, channel: str, after_id: str) -> list[str] | None:
        """The messages after `after_id`, in order; None when they are no longer held.

        Clients of a gateway that just restarted come back at once: a resume waits a moment
        for this gateway's feed to be confirmed rather than send them all to resync.
        """
        if not self.confirmed and self.link.available():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CONFIRM_WAIT_SECONDS):
                    await self._confirmed.wait()
        if not self.confirmed:
            return None
        if not self.link.available():
            self.link.skipped("replay_buffer")
            return None
        try:
            gap = await self._gap_ms()
            rows = await self._since(keys=self._keys(channel, after_id), args=[self.max_len, gap])
        except Exception as exc:
            self.link.mark_down("replay_buffer", exc)
            return None
        if rows is None or rows is False:
            return None
        return [str(row) for row in rows]
