"""The staff check on a restaurant's routes: 404 to a caller who is not a member (the same
answer whichever restaurant it names), 403 to a member whose role is not enough."""

from __future__ import annotations

import uuid

PROBLEM = "application/problem+json"


async def test_changing_notification_settings_is_404_for_a_non_member_and_403_for_a_host(
    start_notifier,
):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        url = f"/v1/restaurants/{rid}/notification-settings"
        change = {"reminder_minutes": 30}
        outsider = notifier.staff(uuid.uuid4())

        as_outsider = await notifier.client.patch(url, json=change, headers=outsider)
        elsewhere = await notifier.client.patch(
            f"/v1/restaurants/{uuid.uuid4()}/notification-settings", json=change, headers=outsider
        )
        as_host = await notifier.client.patch(url, json=change, headers=notifier.staff(rid, "host"))

        assert as_outsider.status_code == 404
        assert as_outsider.headers["content-type"].startswith(PROBLEM)
        assert as_outsider.json() == elsewhere.json()
        assert as_host.status_code == 403
        assert as_host.headers["content-type"].startswith(PROBLEM)
        shown = await notifier.client.get(url, headers=notifier.staff(rid, "host"))
        assert shown.status_code == 200
        assert shown.json()["reminder_minutes"] == 120
