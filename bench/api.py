"""Setting up the benchmark's restaurants through the public API, as an owner would."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

OPEN_ALL_DAY = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)]


class ApiError(RuntimeError):
    pass


def session(limit: int = 0) -> aiohttp.ClientSession:
    """A pooled client: keep-alive connections, no per-host cap unless asked."""
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30, connect=10)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


@dataclass
class Owner:
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.membership_retries = 0
        self.created: list[tuple[Owner, str]] = []  # every restaurant this run made

    async def call(
        self, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        async with self.http.request(method, self.base + path, **kwargs) as response:
            body = await response.text()
            if response.status not in expect:
                raise ApiError(f"{method} {path} -> {response.status}: {body[:300]}")
            return await response.json() if body else None

    async def owner(self) -> Owner:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        password = "bench password that is long enough"  # noqa: S105 - a throwaway account
        await self.call(
            "POST", "/v1/auth/register", json={"email": email, "password": password, "name": "B"}
        )
        answer = await self.call(
            "POST", "/v1/auth/token", json={"email": email, "password": password}
        )
        return Owner(email, answer["access_token"])

    async def restaurant(
        self,
        owner: Owner,
        tables: list[dict[str, Any]],
        name: str = "Bench Bistro",
        opening_hours: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> str:
        body = {
            "name": name,
            "phone": "+14155550111",
            "timezone": "UTC",
            "opening_hours": opening_hours or OPEN_ALL_DAY,
            **extra,
        }
        created = await self.call("POST", "/v1/restaurants", json=body, headers=owner.headers)
        rid = str(created["id"])
        self.created.append((owner, rid))
        # The gateway caches memberships for a few seconds; with several restaurants created
        # at once by one owner, a new one may not be "among yours" yet: retry for a while.
        for attempt in range(40):
            try:
                await self.call(
                    "POST",
                    f"/v1/restaurants/{rid}/tables/batch",
                    json={"tables": tables},
                    headers=owner.headers,
                )
                break
            except ApiError as exc:
                if "-> 404" not in str(exc) or attempt == 39:
                    raise
                self.membership_retries += 1
                await asyncio.sleep(0.25)
        return rid

    async def tables(self, owner: Owner, rid: str) -> list[dict[str, Any]]:
        answer = await self.call("GET", f"/v1/restaurants/{rid}/tables", headers=owner.headers)
        return list(answer["items"])

    async def waitlist_ready(
        self, rid: str, tables: int, owner: Owner | None = None, timeout: float = 30
    ) -> None:
        """The waitlist learns restaurants and tables from events: wait until it has them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                summary = await self.call("GET", f"/v1/restaurants/{rid}/waitlist")
                if summary.get("open"):
                    return
            except ApiError:
                pass
            if loop.time() > deadline:
                raise TimeoutError(f"the waitlist never opened for restaurant {rid}")
            await asyncio.sleep(0.2)

    async def quiet_all(self, parallel: int = 8) -> int:
        """Every restaurant made so far to manual mode: nobody is called to a table any more.

        Earlier figures leave hundreds of parties waiting in auto mode; under an accelerated
        waitlist clock they would be called and given up as no-shows by the hundred a
        second, and that churn, not the evening simulated, would set the waits measured.
        """
        gate = asyncio.Semaphore(parallel)

        async def one(owner: Owner, rid: str) -> None:
            async with gate:
                await self.call(
                    "PATCH",
                    f"/v1/restaurants/{rid}/waitlist/settings",
                    json={"mode": "manual"},
                    headers=owner.headers,
                )

        earlier = list(self.created)
        await asyncio.gather(*(one(owner, rid) for owner, rid in earlier))
        return len(earlier)

    async def many_restaurants(
        self, owner: Owner, count: int, tables: list[dict[str, Any]], parallel: int = 8, **kw: Any
    ) -> list[str]:
        gate = asyncio.Semaphore(parallel)

        async def one(i: int) -> str:
            async with gate:
                return await self.restaurant(owner, tables, name=f"Bench {i}", **kw)

        return list(await asyncio.gather(*(one(i) for i in range(count))))
