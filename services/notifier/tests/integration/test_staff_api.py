"""The staff routes: notification settings, the notification list, health and metrics."""

from __future__ import annotations

import uuid


async def test_owners_change_settings_and_hosts_read_them(start_notifier):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        url = f"/v1/restaurants/{rid}/notification-settings"
        shown = await notifier.client.get(url, headers=notifier.staff(rid, "host"))
        assert shown.status_code == 200
        assert shown.json()["reminder_minutes"] == 120
        assert shown.json()["channels"]["party_called"] == ["realtime", "sms"]

        change = {
            "reminder_minutes": 45,
            "email": "floor@zinc.example",
            "channels": {"party_called": ["sms"]},
            "templates": {"party_left": {"body": "Bye {{ name }}"}},
        }
        changed = await notifier.client.patch(url, json=change, headers=notifier.staff(rid))
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["reminder_minutes"] == 45 and body["email"] == "floor@zinc.example"
        assert body["channels"]["party_called"] == ["sms"]
        assert body["templates"] == {"party_left": {"body": "Bye {{ name }}"}}

        reset = await notifier.client.patch(
            url, json={"channels": {"party_called": None}}, headers=notifier.staff(rid)
        )
        assert reset.json()["channels"]["party_called"] == ["realtime", "sms"]
        assert reset.json()["reminder_minutes"] == 45

        host = await notifier.client.patch(url, json=change, headers=notifier.staff(rid, "host"))
        assert host.status_code == 403


async def test_settings_naming_an_unknown_rule_or_a_channel_the_rule_cannot_use_are_refused(
    start_notifier,
):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        url = f"/v1/restaurants/{rid}/notification-settings"
        for change, field in [
            ({"channels": {"party_danced": ["sms"]}}, "channels.party_danced"),
            ({"channels": {"booking_confirmed": ["realtime"]}}, "channels.booking_confirmed"),
            ({"templates": {"party_danced": {"body": "x"}}}, "templates.party_danced"),
            ({"reminder_minutes": -5}, "reminder_minutes"),
            ({"email": "not-an-address"}, "email"),
            ({"channels": {"party_called": ["pigeon"]}}, "channels.party_called.0"),
        ]:
            answer = await notifier.client.patch(url, json=change, headers=notifier.staff(rid))
            assert answer.status_code == 422, change
            assert answer.json()["errors"][0]["field"] == field
        shown = await notifier.client.get(url, headers=notifier.staff(rid))
        assert shown.json()["reminder_minutes"] == 120 and shown.json()["email"] is None


async def test_another_restaurants_staff_see_nothing(start_notifier):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        stranger = notifier.staff(uuid.uuid4())
        for path in ("notifications", "notification-settings", "webhooks"):
            answer = await notifier.client.get(f"/v1/restaurants/{rid}/{path}", headers=stranger)
            assert answer.status_code == 404, path
        anonymous = await notifier.client.get(f"/v1/restaurants/{rid}/notifications")
        assert anonymous.status_code == 401


async def test_health_reports_the_delivery_worker_and_metrics_are_served(start_notifier):
    async with start_notifier() as notifier:
        ready = await notifier.client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["delivery_worker"]["ok"] is True
        metrics = await notifier.client.get("/metrics")
        assert "notifier_deliveries_sent_total" in metrics.text
