"""Small helpers the browser journeys share: settling on event-driven state, signing in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from .conftest import PASSWORD, Restaurant


async def summary_until(
    api: httpx.AsyncClient, rid: str, ok: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> dict[str, Any]:
    """Polls the public waitlist summary until `ok` holds (the waitlist learns by events)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        answer = await api.get(f"/v1/restaurants/{rid}/waitlist")
        last = answer.json() if answer.status_code == 200 else answer.text
        if answer.status_code == 200 and ok(last):
            return dict(last)
        await asyncio.sleep(0.25)
    raise AssertionError(f"waitlist summary never matched; last answer: {last}")


async def occupy_every_table(api: httpx.AsyncClient, restaurant: Restaurant) -> None:
    """Every table taken, and the waitlist knows it (a newcomer would have to wait)."""
    for table in restaurant.tables.values():
        answer = await api.patch(
            f"/v1/restaurants/{restaurant.id}/tables/{table['id']}",
            headers=restaurant.owner,
            json={"status": "occupied"},
        )
        assert answer.status_code == 200, answer.text
    await summary_until(api, restaurant.id, lambda s: (s.get("estimated_wait_minutes") or 0) > 0)


async def sign_in_host(page: Any, email: str) -> None:
    from playwright.async_api import expect

    await expect(page.locator("#login")).to_be_visible()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#console")).to_be_visible(timeout=10_000)
