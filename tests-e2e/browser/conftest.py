"""Browser journeys: Playwright drives Debian's Chromium against the whole stack as processes.

Data is set up through the public API (httpx), exactly as another client would; the pages
are then used the way a diner on a phone or a host on a tablet uses them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = os.environ.get("MAITRED_CHROMIUM", "/usr/bin/chromium")
# Keep the browser off the network: no updates, no sync, no QUIC probes, no first-run pages.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Times read as 19:00 in the tests; the pages themselves follow each browser's locale.
LOCALE = {"locale": "en-GB", "timezone_id": "UTC"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TABLET = {"viewport": {"width": 1024, "height": 1366}, "device_scale_factor": 1, "has_touch": True}
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def chromium_is_installed() -> None:
    """`make test` installs Debian's Chromium; without it the browser tests fail, never skip."""
    assert Path(CHROMIUM).exists() or shutil.which(CHROMIUM), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    )


@pytest.fixture(scope="session")
def gateway_url(stack: Any) -> str:
    url: str = stack.url("gateway")
    return url


@pytest.fixture(scope="session")
async def api(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=15) as client:
        yield client


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@dataclass
class Screens:
    """Opens pages in phone- or tablet-sized contexts, saves screenshots, collects JS errors."""

    browser: Any
    base_url: str
    contexts: list[Any]
    errors: list[str]

    async def open(
        self,
        path: str,
        device: str = "phone",
        before: Callable[[Any], Awaitable[Any]] | None = None,
    ) -> Any:
        context = await self.browser.new_context(
            base_url=self.base_url, **LOCALE, **(PHONE if device == "phone" else TABLET)
        )
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{path}: {exc}"))
        if before is not None:
            await before(page)
        await page.goto(path)
        return page

    async def shoot(self, page: Any, name: str, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
async def screens(browser: Any, gateway_url: str) -> AsyncIterator[Screens]:
    opened = Screens(browser, gateway_url, [], [])
    yield opened
    for context in opened.contexts:
        await context.close()
    assert not opened.errors, f"uncaught errors in the pages: {opened.errors}"


@dataclass
class Restaurant:
    id: str
    owner_email: str
    owner_token: str
    tables: dict[str, dict[str, Any]]  # by label

    @property
    def owner(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.owner_token}"}


async def register_staff(api: httpx.AsyncClient, name: str) -> tuple[str, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    answer = await api.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert answer.status_code == 201, answer.text
    token = await api.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return email, token.json()["access_token"]


EVERY_DAY = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)]
FLOOR = [
    {"label": "T1", "capacity": 2, "kind": "table", "section": "window", "x": 0, "y": 0},
    {"label": "T2", "capacity": 4, "kind": "table", "section": "window", "x": 1, "y": 0},
    {"label": "T3", "capacity": 6, "kind": "table", "section": "main", "x": 2, "y": 0},
    {"label": "C1", "capacity": 1, "kind": "counter", "section": "bar", "x": 0, "y": 1},
    {"label": "C2", "capacity": 2, "kind": "counter", "section": "bar", "x": 1, "y": 1},
]


@pytest.fixture
async def new_restaurant(
    api: httpx.AsyncClient,
) -> Callable[[str], Awaitable[Restaurant]]:
    """A restaurant open all day every day with five tables, owned by a fresh account."""

    async def create(name: str) -> Restaurant:
        email, token = await register_staff(api, "Owner")
        owner = {"Authorization": f"Bearer {token}"}
        made = await api.post(
            "/v1/restaurants",
            headers=owner,
            json={
                "name": name,
                "phone": "+14155550100",
                "timezone": "UTC",
                "opening_hours": EVERY_DAY,
                "slot_minutes": 60,
            },
        )
        assert made.status_code == 201, made.text
        rid = made.json()["id"]
        tables = await api.post(
            f"/v1/restaurants/{rid}/tables/batch", headers=owner, json={"tables": FLOOR}
        )
        assert tables.status_code == 201, tables.text
        by_label = {t["label"]: t for t in tables.json()["items"]}
        return Restaurant(rid, email, token, by_label)

    return create
