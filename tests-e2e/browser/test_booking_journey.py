"""A diner books a table from a phone, manages it from the link, and cancels it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect


def tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


async def test_booking_is_made_and_cancelled_from_a_phone(api, new_restaurant, screens):
    restaurant = await new_restaurant("Trattoria Uno")
    diner = await screens.open(f"/r/{restaurant.id}/book", "phone")
    await expect(diner.locator("#book-title")).to_have_text("Book a table at Trattoria Uno")

    await diner.get_by_label("Date").fill(tomorrow())
    await diner.get_by_label("Party size").fill("4")
    await diner.get_by_role("button", name="Show times").click()
    await expect(diner.locator("#slots-status")).to_contain_text("free times for 4")
    await screens.shoot(diner, "diner-booking-slots")

    await diner.get_by_role("button", name=re.compile(r"^19:00")).click()
    await expect(diner.locator("#details")).to_be_visible()
    await diner.get_by_label("Name").fill("Dora")
    await diner.get_by_label("Phone").fill("+1 415 555 0142")
    await screens.shoot(diner, "diner-booking-details")
    await diner.get_by_role("button", name="Book this table").click()

    await expect(diner).to_have_url(re.compile(r"/reservations/[0-9a-f-]{36}$"))
    body = diner.locator("#booking-body")
    await expect(body).to_contain_text("Booked")
    await expect(body).to_contain_text("19:00")
    await screens.shoot(diner, "diner-booking-manage")
    booking_id = diner.url.rsplit("/", 1)[-1]
    token = await diner.evaluate(f"localStorage.getItem('maitred.booking.{booking_id}')")
    assert token

    # The SMS link (?token=) works on another phone, and the token leaves the address bar.
    other = await screens.open(f"/reservations/{booking_id}?token={token}", "phone")
    await expect(other.locator("#booking-body")).to_contain_text("Booked")
    assert "token" not in other.url

    await diner.get_by_role("button", name="Cancel this booking").click()
    await diner.get_by_role("button", name="Yes, cancel it").click()
    await expect(body).to_contain_text("Cancelled")
    await expect(diner.get_by_role("button", name="Cancel this booking")).to_be_hidden()
    await screens.shoot(diner, "diner-booking-cancelled")

    seen = await api.get(
        f"/v1/reservations/{booking_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert seen.json()["status"] == "cancelled"


async def test_free_only_toggle_also_lists_taken_times(api, new_restaurant, screens):
    restaurant = await new_restaurant("Petit Coin")
    day = tomorrow()
    # Only T3 seats six: book it at 19:00 so that time is full for a party of six.
    booked = await api.post(
        f"/v1/restaurants/{restaurant.id}/reservations",
        json={
            "starts_at": f"{day}T19:00:00+00:00",
            "party_size": 6,
            "name": "Eve",
            "phone": "+14155550177",
        },
    )
    assert booked.status_code == 201, booked.text
    diner = await screens.open(f"/r/{restaurant.id}/book", "phone")
    await diner.get_by_label("Date").fill(day)
    await diner.get_by_label("Party size").fill("6")
    await diner.get_by_role("button", name="Show times").click()
    await expect(diner.locator("#slots-status")).to_contain_text("free times for 6")
    await expect(diner.get_by_role("button", name=re.compile(r"^19:00"))).to_have_count(0)

    await diner.get_by_label("Free times only").uncheck()
    full = diner.get_by_role("button", name=re.compile(r"^19:00, fully booked"))
    await expect(full).to_be_visible()
    await expect(full).to_be_disabled()


async def test_wrong_booking_phone_shows_the_error_next_to_its_field(api, new_restaurant, screens):
    restaurant = await new_restaurant("Osteria Due")
    diner = await screens.open(f"/r/{restaurant.id}/book", "phone")
    await diner.get_by_label("Date").fill(tomorrow())
    await diner.get_by_role("button", name="Show times").click()
    await expect(diner.locator("#slots-status")).to_contain_text("free times for 2")
    await diner.locator(".slot--free").first.click()
    await diner.get_by_label("Name").fill("Finn")
    await diner.get_by_label("Phone").fill("not a phone")
    await diner.get_by_role("button", name="Book this table").click()

    error = diner.locator("#book-phone-error")
    await expect(error).to_be_visible()
    await expect(error).not_to_be_empty()
    await expect(diner.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")
    await screens.shoot(diner, "diner-booking-error")
    listed = await api.get(
        f"/v1/restaurants/{restaurant.id}/reservations",
        params={"date": tomorrow()},
        headers=restaurant.owner,
    )
    assert listed.json()["items"] == []
