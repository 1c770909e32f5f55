"""Per-channel replay buffers in Redis Streams, written once however many gateways consume.

Every gateway instance sees every event; the first to append an event id to a channel
wins (a `seen` key, set in the same script as the XADD), the others find it already there.
The `seen` key holds the stream entry id, which is how a resume finds its place.
"""

from __future__ import annotations

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

# KEYS: stream, seen. ARGV: max count. Returns the messages after the seen entry, or false
# when that entry is no longer held (trimmed or never buffered): the client must resync.
_SINCE = """
local entry = redis.call('GET', KEYS[2])
if not entry then return false end
if #redis.call('XRANGE', KEYS[1], entry, entry) == 0 then return false end
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


class ReplayBuffer:
    def __init__(self, link: RedisLink, max_len: int, ttl_seconds: int) -> None:
        self.link = link
        self.max_len = max_len
        self.ttl = ttl_seconds
        self._append = link.client.register_script(_APPEND)
        self._since = link.client.register_script(_SINCE)

    def _keys(self, channel: str, event_id: str | None = None) -> list[str]:
        # The hash tag keeps one channel's keys in one slot (Redis Cluster).
        tag = "{" + channel + "}"
        return [
            self.link.key("rt", tag, "stream"),
            self.link.key("rt", tag, "seen", event_id or ""),
        ]

    async def append(self, channel: str, event_id: str, message: str) -> None:
        if not self.link.available():
            self.link.skipped("replay_buffer")
            return
        try:
            await self._append(
                keys=self._keys(channel, event_id),
                args=[self.max_len, event_id, message, self.ttl],
            )
        except Exception as exc:  # live delivery goes on; a resume will get resync
            self.link.mark_down("replay_buffer", exc)

    async def since(self, channel: str, after_id: str) -> list[str] | None:
        """The messages after `after_id`, in order; None when they are no longer held."""
        if not self.link.available():
            self.link.skipped("replay_buffer")
            return None
        try:
            rows = await self._since(keys=self._keys(channel, after_id), args=[self.max_len])
        except Exception as exc:
            self.link.mark_down("replay_buffer", exc)
            return None
        if rows is None or rows is False:
            return None
        return [str(row) for row in rows]
