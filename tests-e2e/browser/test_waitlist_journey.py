"""A diner on a phone joins, follows, is called and checks in; a host on a tablet runs it."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from .helpers import occupy_every_table, sign_in_host, summary_until

LIVE = 15_000  # ms: bound on an event travelling service -> broker -> gateway -> page


async def test_diner_joins_is_called_when_host_frees_a_table_and_checks_in(
    api, new_restaurant, screens
):
    restaurant = await new_restaurant("Chez Ada")
    await occupy_every_table(api, restaurant)

    diner = await screens.open(f"/r/{restaurant.id}", "phone")
    await expect(diner.locator("#summary-title")).to_have_text("Chez Ada")
    await expect(diner.locator("#summary-state")).to_contain_text("Open")
    await screens.shoot(diner, "diner-waitlist-join")

    await diner.get_by_label("Name").fill("Ada")
    await diner.get_by_label("Party size").fill("2")
    await diner.get_by_text("Anywhere").click()
    await diner.get_by_role("button", name="Join the waitlist").click()
    await expect(diner.locator("#status-title")).to_have_text("You're #1 in line")
    await expect(diner.get_by_test_id("ahead")).to_have_text("0")
    await expect(diner.locator("#live")).to_contain_text("Live", timeout=LIVE)

    # Closing and reopening the page keeps the place in line.
    await diner.reload()
    await expect(diner.locator("#status-title")).to_have_text("You're #1 in line")
    await expect(diner.locator("#join")).to_be_hidden()
    await expect(diner.locator("#live")).to_contain_text("Live", timeout=LIVE)
    await screens.shoot(diner, "diner-waiting")

    host = await screens.open("/host", "tablet")
    await sign_in_host(host, restaurant.owner_email)
    ada = host.locator(".party", has_text="Ada")
    await expect(ada).to_contain_text("Waiting")
    await expect(host.locator("#live")).to_contain_text("Live", timeout=LIVE)
    await screens.shoot(host, "host-console-waiting")

    # The host frees T1; the diner's page turns to "ready" by itself.
    await diner.evaluate("window.__sameDocument = true")
    await host.get_by_role("button", name=re.compile(r"^Table T1,")).click()
    await host.locator("#table-menu").get_by_role("button", name="Available").click()
    await expect(diner.locator("#status-title")).to_have_text("Your table is ready", timeout=LIVE)
    assert await diner.evaluate("window.__sameDocument === true"), "the diner page reloaded"
    await expect(diner.locator("#status-body")).to_contain_text(re.compile(r"Check in by \d"))
    await expect(diner.locator("#countdown")).to_contain_text("left to check in")
    await screens.shoot(diner, "diner-table-ready")
    await expect(ada).to_contain_text("Called", timeout=LIVE)
    await expect(host.get_by_role("button", name=re.compile(r"^Table T1,"))).to_contain_text(
        "Held", timeout=LIVE
    )

    await diner.get_by_role("button", name="check in").click()
    await expect(diner.locator("#status-title")).to_have_text("You're checked in")
    await screens.shoot(diner, "diner-checked-in")

    # The host sees the check-in live, seats the party, and the diner sees that too.
    await expect(ada).to_contain_text("Checked in", timeout=LIVE)
    await ada.get_by_role("button", name="Seat Ada").click()
    await expect(ada).to_contain_text("Seated", timeout=LIVE)
    await expect(host.get_by_role("button", name=re.compile(r"^Table T1,"))).to_contain_text(
        "Occupied", timeout=LIVE
    )
    await expect(diner.locator("#status-title")).to_have_text("Enjoy your meal", timeout=LIVE)
    await screens.shoot(host, "host-console-seated")


async def test_wrong_join_input_shows_the_error_next_to_its_field(api, new_restaurant, screens):
    restaurant = await new_restaurant("Bistro Erreur")
    await summary_until(api, restaurant.id, lambda s: s.get("open") is True)
    diner = await screens.open(f"/r/{restaurant.id}", "phone")

    await diner.get_by_label("Name").fill("Bob")
    await diner.get_by_label("Party size").fill("2")
    await diner.get_by_label("Phone").fill("12345")
    await diner.get_by_role("button", name="Join the waitlist").click()
    phone_error = diner.locator("#join-phone-error")
    await expect(phone_error).to_be_visible()
    await expect(phone_error).not_to_be_empty()
    await expect(diner.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")
    await expect(diner.locator("#join-name-error")).to_be_hidden()
    await screens.shoot(diner, "diner-join-error")

    await diner.get_by_label("Phone").fill("")
    await diner.get_by_label("Party size").fill("99")
    await diner.get_by_role("button", name="Join the waitlist").click()
    await expect(diner.locator("#join-size-error")).to_be_visible()
    await expect(diner.locator("#join-phone-error")).to_be_hidden()

    # Nothing joined.
    summary = await summary_until(api, restaurant.id, lambda s: True)
    assert summary["parties_waiting"] == 0
    await expect(diner.locator("#status")).to_be_hidden()


async def test_diner_can_leave_the_waitlist(api, new_restaurant, screens):
    restaurant = await new_restaurant("Le Départ")
    await occupy_every_table(api, restaurant)
    diner = await screens.open(f"/r/{restaurant.id}", "phone")
    await diner.get_by_label("Name").fill("Cleo")
    await diner.get_by_label("Party size").fill("3")
    await diner.get_by_role("button", name="Join the waitlist").click()
    await expect(diner.locator("#status-title")).to_have_text("You're #1 in line")

    await diner.get_by_role("button", name="Leave the waitlist").click()
    await diner.get_by_role("button", name="Yes, leave").click()
    await expect(diner.locator("#status-title")).to_have_text("You left the waitlist")
    await summary_until(api, restaurant.id, lambda s: s["parties_waiting"] == 0)

    # The page forgets the party: reopening shows the join form again.
    await diner.reload()
    await expect(diner.locator("#join")).to_be_visible()


async def test_diner_page_recovers_after_the_live_connection_drops(api, new_restaurant, screens):
    restaurant = await new_restaurant("Café Coupé")
    await occupy_every_table(api, restaurant)
    relayed: list = []
    cut = False

    async def relay(ws):
        # Stands between the page and the gateway; while `cut`, every reconnection fails.
        if cut:
            await ws.close(code=4000, reason="network gone")
            return
        ws.connect_to_server()
        relayed.append(ws)

    diner = await screens.open(
        f"/r/{restaurant.id}",
        "phone",
        before=lambda page: page.route_web_socket(re.compile(r"/v1/realtime$"), relay),
    )
    await diner.get_by_label("Name").fill("Dan")
    await diner.get_by_label("Party size").fill("2")
    await diner.get_by_role("button", name="Join the waitlist").click()
    await expect(diner.locator("#status-title")).to_have_text("You're #1 in line")
    await expect(diner.locator("#live")).to_contain_text("Live", timeout=LIVE)

    cut = True
    for ws in relayed:
        await ws.close(code=4000, reason="network gone")
    await expect(diner.locator("#live")).to_contain_text("Reconnecting")
    await screens.shoot(diner, "diner-reconnecting", full_page=False)

    # The table frees while the page is cut off; the page catches up once back.
    stored = await diner.evaluate(
        f"JSON.parse(localStorage.getItem('maitred.party.{restaurant.id}'))"
    )
    t1 = restaurant.tables["T1"]["id"]
    freed = await api.patch(
        f"/v1/restaurants/{restaurant.id}/tables/{t1}",
        headers=restaurant.owner,
        json={"status": "available"},
    )
    assert freed.status_code == 200, freed.text
    party_url = f"/v1/parties/{stored['id']}"
    diner_auth = {"Authorization": f"Bearer {stored['token']}"}
    for _ in range(80):
        if (await api.get(party_url, headers=diner_auth)).json()["status"] == "called":
            break
        await asyncio.sleep(0.25)
    cut = False
    await expect(diner.locator("#status-title")).to_have_text("Your table is ready", timeout=20_000)
    await expect(diner.locator("#live")).to_contain_text("Live", timeout=20_000)
