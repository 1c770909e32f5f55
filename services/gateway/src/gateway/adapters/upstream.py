"""The one pooled HTTP client to the services: round-robin over instances, clear failures.

aiohttp's client keeps a large keep-alive pool and costs little per request; a shared
httpx.AsyncClient collapsed under concurrency in our measurements (see the README).

Failures map to what a caller can act on: every instance refused the connection -> 503
(nothing was sent, so trying the next instance is safe); no answer in time -> 504; an
answer that is not HTTP, or a dropped connection -> 502.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import aiohttp
from prometheus_client import Counter
from yarl import URL

from maitred_platform.logs import get_logger
from maitred_platform.problems import Problem

log = get_logger(__name__)

UPSTREAM = Counter(
    "gateway_upstream_requests_total", "Requests forwarded to services", ["service", "outcome"]
)

# Not passed back to the caller: they describe one hop, or the server recomputes them.
_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "date",
        "server",
        "x-request-id",
    }
)


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return ""


class Upstreams:
    """Base URLs per service, and the shared session built in the lifespan."""

    def __init__(
        self,
        urls: Mapping[str, list[str]],
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float,
        max_connections: int,
    ) -> None:
        self.urls = {name: list(instances) for name, instances in urls.items()}
        self._turns = {name: itertools.count() for name in self.urls}
        self.timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=0,
            # Below uvicorn's 5 s keep-alive, so we never reuse a connection the service closed.
            keepalive_timeout=4.0,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "Upstreams.start() was not awaited"
        return self._session

    def instances(self, service: str) -> list[str]:
        """Every instance once, starting from the next one in turn."""
        urls = self.urls[service]
        start = next(self._turns[service]) % len(urls)
        return urls[start:] + urls[:start]

    async def request(
        self,
        service: str,
        method: str,
        path_and_query: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> UpstreamResponse:
        for base in self.instances(service):
            try:
                async with self.session.request(
                    method,
                    URL(base + path_and_query, encoded=True),
                    headers=headers,
                    data=body or None,
                    allow_redirects=False,
                    timeout=timeout or self.timeout,
                ) as response:
                    payload = await response.read()
                    UPSTREAM.labels(service, "answered").inc()
                    return UpstreamResponse(
                        response.status, _answer_headers(response.headers.items()), payload
                    )
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                log.warning(
                    "upstream_refused", service=service, instance=base, error=str(exc)[:200]
                )
                continue
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                UPSTREAM.labels(service, "timeout").inc()
                raise Problem(
                    504, f"The {service} service did not answer in time.", headers=_RETRY
                ) from exc
            except (aiohttp.ClientError, ValueError) as exc:
                UPSTREAM.labels(service, "bad_answer").inc()
                log.warning("upstream_bad_answer", service=service, error=type(exc).__name__)
                raise Problem(502, f"The {service} service gave an unusable answer.") from exc
        UPSTREAM.labels(service, "unavailable").inc()
        raise Problem(
            503, f"The {service} service is not reachable; retry shortly.", headers=_RETRY
        )

    async def ready(self, service: str) -> dict[str, object]:
        """Each instance's own /health/ready; raises unless every instance is ready."""
        timeout = aiohttp.ClientTimeout(total=1.5)
        results = await asyncio.gather(
            *(self._instance_ready(base, timeout) for base in self.urls[service])
        )
        instances = dict(zip(self.urls[service], results, strict=True))
        if not all(status == "ready" for status in results):
            raise RuntimeError(f"{service}: {instances}")
        return {"instances": instances}

    async def _instance_ready(self, base: str, timeout: aiohttp.ClientTimeout) -> str:
        try:
            async with self.session.get(base + "/health/ready", timeout=timeout) as response:
                return "ready" if response.status == 200 else f"not ready ({response.status})"
        except Exception as exc:
            return f"unreachable ({type(exc).__name__})"


_RETRY = {"Retry-After": "2"}


def _answer_headers(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in items if name.lower() not in _HOP_HEADERS]
