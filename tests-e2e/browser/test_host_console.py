"""The host console on a tablet: bookings timeline, settings, dashboard and the door's QR code."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from .helpers import occupy_every_table, sign_in_host, summary_until


async def test_host_sees_todays_bookings_and_changes_waitlist_settings(
    api, new_restaurant, screens
):
    restaurant = await new_restaurant("Brasserie Deux")
    now = datetime.now(UTC)
    start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    booked_today = start.date() == now.date() and start.hour <= 22
    if booked_today:
        made = await api.post(
            f"/v1/restaurants/{restaurant.id}/reservations",
            json={
                "starts_at": start.isoformat(),
                "party_size": 2,
                "name": "Gus",
                "phone": "+14155550188",
            },
        )
        assert made.status_code == 201, made.text

    host = await screens.open("/host", "tablet")
    await sign_in_host(host, restaurant.owner_email)
    await expect(host.locator("#console-title")).to_have_text("Brasserie Deux")
    await expect(host.locator(".table")).to_have_count(5)
    if booked_today:
        await expect(host.locator(".booking-bar", has_text="Gus")).to_be_visible()
    await expect(host.locator('[data-stat="tables"]')).to_contain_text("5 available")

    # The door's QR code is an SVG of the diner page.
    qr = await api.get(f"/r/{restaurant.id}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert await host.locator("#qr-image").evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(host.locator("#qr-link")).to_have_text(re.compile(rf"/r/{restaurant.id}$"))
    await screens.shoot(host, "host-console")

    # The same console fits a phone: one column, tables in a grid.
    pocket = await screens.open("/host", "phone")
    await sign_in_host(pocket, restaurant.owner_email)
    await expect(pocket.locator(".table")).to_have_count(5)
    await screens.shoot(pocket, "host-console-phone")

    # Closing the waitlist from the settings reaches the diner's page.
    await host.get_by_label("Waitlist open").uncheck()
    await host.get_by_role("button", name="Save settings").click()
    await expect(host.locator("#toast")).to_contain_text("Settings saved")
    await summary_until(api, restaurant.id, lambda s: s["open"] is False)
    diner = await screens.open(f"/r/{restaurant.id}", "phone")
    await expect(diner.locator("#summary-state")).to_contain_text("closed")
    await expect(diner.get_by_role("button", name="Waitlist closed")).to_be_disabled()


async def test_host_console_rejects_a_wrong_password(api, new_restaurant, screens):
    restaurant = await new_restaurant("Chez Personne")
    host = await screens.open("/host", "phone")
    await host.get_by_label("E-mail").fill(restaurant.owner_email)
    await host.get_by_label("Password").fill("wrong password")
    await host.get_by_role("button", name="Sign in").click()
    await expect(host.locator("#login-error")).to_contain_text("do not match")
    await expect(host.locator("#console")).to_be_hidden()
    await screens.shoot(host, "host-login-error")


async def test_host_removes_a_party_and_the_next_diner_moves_up_live(api, new_restaurant, screens):
    restaurant = await new_restaurant("Chez Deux")
    await occupy_every_table(api, restaurant)
    joined = []
    for name in ("Hal", "Ivy"):
        answer = await api.post(
            f"/v1/restaurants/{restaurant.id}/waitlist/parties",
            json={"name": name, "party_size": 2, "preference": "any"},
        )
        assert answer.status_code == 201, answer.text
        joined.append(answer.json())
    ivy = joined[1]

    # Ivy's phone already holds her party (as after joining from it).
    async def remember_ivy(page):
        key = f"maitred.party.{restaurant.id}"
        value = json.dumps({"id": ivy["id"], "token": ivy["party_token"], "name": "Ivy"})
        await page.add_init_script(f"localStorage.setItem({json.dumps(key)}, {json.dumps(value)})")

    diner = await screens.open(f"/r/{restaurant.id}", "phone", before=remember_ivy)
    await expect(diner.locator("#status-title")).to_have_text("You're #2 in line")
    await expect(diner.locator("#live")).to_contain_text("Live", timeout=15_000)

    host = await screens.open("/host", "tablet")
    await sign_in_host(host, restaurant.owner_email)
    hal = host.locator(".party", has_text="Hal")
    await expect(hal.get_by_role("button", name="Call Hal")).to_be_disabled()
    await hal.get_by_role("button", name="Remove Hal").click()
    await expect(hal).to_have_count(0, timeout=15_000)
    await expect(diner.locator("#status-title")).to_have_text("You're #1 in line", timeout=15_000)
    party = await api.get(f"/v1/parties/{joined[0]['id']}", headers=restaurant.owner)
    assert party.json()["status"] == "left"
