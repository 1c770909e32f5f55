"""The gateway's Redis: one client, a short breaker when it is down, and the rate limiter.

Policy when Redis is down (see the README): rate limits fail open (a log line and the
`gateway_redis_unavailable_total` metric); an Idempotency-Key POST fails closed with 503;
realtime keeps delivering live events and answers a resume with `resync`.
"""

from __future__ import annotations

import math
import time

import redis.asyncio as redis
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from prometheus_client import Counter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from gateway.domain.rate_policy import Check
from maitred_platform.logs import get_logger
from maitred_platform.problems import Problem

log = get_logger(__name__)

REDIS_UNAVAILABLE = Counter(
    "gateway_redis_unavailable_total", "Operations done without Redis, by use", ["use"]
)
RATE_LIMITED = Counter("gateway_rate_limited_total", "Requests refused with 429", ["group"])

# After a failure, Redis is skipped this long, so a dead Redis costs one timeout, not one each.
_BREAK_SECONDS = 1.0


class RedisLink:
    def __init__(self, url: str, prefix: str, timeout_seconds: float) -> None:
        self.url = url
        self.prefix = prefix if not prefix or prefix.endswith(":") else prefix + ":"
        self.timeout = timeout_seconds
        self.client: redis.Redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            decode_responses=True,
            # A connection that died while Redis was away is found on its first use after:
            # that command is sent once more on a new connection instead of failing.
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        self._down_until = 0.0
        self._last_logged = 0.0

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def mark_down(self, use: str, exc: BaseException) -> None:
        now = time.monotonic()
        self._down_until = now + _BREAK_SECONDS
        REDIS_UNAVAILABLE.labels(use).inc()
        if now - self._last_logged > 5:
            self._last_logged = now
            log.warning("redis_unavailable", use=use, error=f"{type(exc).__name__}: {exc}"[:200])

    def skipped(self, use: str) -> None:
        REDIS_UNAVAILABLE.labels(use).inc()

    async def ping(self) -> dict[str, object]:
        await self.client.ping()
        return {}

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    """Sliding-window counters in Redis (two counters per key, one round trip per check)."""

    def __init__(self, link: RedisLink, enabled: bool = True) -> None:
        self.link = link
        self.enabled = enabled
        uri = "async+" + link.url if not link.url.startswith("async+") else link.url
        self.storage = RedisStorage(
            uri,
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=link.prefix + "rl",
            socket_timeout=link.timeout,
            socket_connect_timeout=link.timeout,
        )
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def enforce(self, checks: list[Check]) -> None:
        """Raises a 429 problem with Retry-After when one limit is used up; fails open."""
        if not self.enabled:
            return
        if not self.link.available():
            self.link.skipped("rate_limit")
            return
        try:
            for check in checks:
                if not await self.strategy.hit(check.limit, *check.identifiers):
                    stats = await self.strategy.get_window_stats(check.limit, *check.identifiers)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    RATE_LIMITED.labels(check.identifiers[0]).inc()
                    raise Problem(
                        429,
                        "Too many requests; slow down and retry later.",
                        headers={"Retry-After": str(retry_after)},
                    )
        except Problem:
            raise
        except Exception as exc:  # Redis down or slow: let the request through
            self.link.mark_down("rate_limit", exc)
