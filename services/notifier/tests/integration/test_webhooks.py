"""Signed webhooks: what an integrator receives and verifies, and which URLs are refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid

import pytest

from maitred_contracts import CloudEvent, PartyLeft, TableStatusChanged

HOOK_TYPES = ["waitlist.party.left.v1", "notifier.notification.created.v1"]


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The integrator's check, exactly as the README documents it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp, given = int(parts["t"]), parts["v1"]
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


async def register(notifier, rid, url, event_types=HOOK_TYPES, role="owner"):
    return await notifier.client.post(
        f"/v1/restaurants/{rid}/webhooks",
        json={"url": url, "event_types": event_types},
        headers=notifier.staff(rid, role),
    )


async def test_webhook_deliveries_are_signed_cloudevents_that_verify(
    start_notifier, bus, receiver, helpers
):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        answer = await register(notifier, rid, receiver.url + "/maitred")
        assert answer.status_code == 201, answer.text
        hook = answer.json()
        assert hook["secret"].startswith("whsec_")
        assert sorted(hook["event_types"]) == sorted(HOOK_TYPES)

        left = PartyLeft(party_id=uuid.uuid4(), restaurant_id=rid, by="diner")
        event_id = await bus.publish(left)
        # Not subscribed: never posted.
        await bus.publish(TableStatusChanged.example().model_copy(update={"restaurant_id": rid}))
        # The party.left event itself, and the notification.created the notifier made of it.
        await helpers.eventually(lambda: len(receiver.requests) == 2)
        by_type = {json.loads(r["body"])["type"]: r for r in receiver.requests}
        assert set(by_type) == set(HOOK_TYPES)
        request = by_type["waitlist.party.left.v1"]
        assert request["path"] == "/maitred"
        assert verify(hook["secret"], request["headers"]["Maitred-Signature"], request["body"])
        assert not verify("whsec_wrong", request["headers"]["Maitred-Signature"], request["body"])
        assert request["headers"]["Content-Type"] == "application/cloudevents+json"
        event = CloudEvent.from_json(request["body"])
        assert event.id == event_id and event.type == "waitlist.party.left.v1"
        assert event.data["party_id"] == str(left.party_id)

        listed = await notifier.client.get(
            f"/v1/restaurants/{rid}/webhooks", headers=notifier.staff(rid)
        )
        assert listed.status_code == 200
        [shown] = listed.json()["items"]
        assert shown["id"] == hook["id"] and "secret" not in shown


async def test_a_failing_receiver_gets_the_event_again(start_notifier, bus, receiver, helpers):
    rid = uuid.uuid4()
    receiver.statuses = [500]
    async with start_notifier() as notifier:
        hook = (await register(notifier, rid, receiver.url, ["waitlist.party.left.v1"])).json()
        await bus.publish(PartyLeft(party_id=uuid.uuid4(), restaurant_id=rid, by="staff"))
        await helpers.eventually(lambda: len(receiver.requests) == 2)
        first, second = receiver.requests
        assert first["body"] == second["body"]
        assert verify(hook["secret"], second["headers"]["Maitred-Signature"], second["body"])


async def test_a_deleted_webhook_receives_nothing_more(start_notifier, bus, receiver, helpers):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        hook = (await register(notifier, rid, receiver.url, ["waitlist.party.left.v1"])).json()
        gone = await notifier.client.delete(
            f"/v1/restaurants/{rid}/webhooks/{hook['id']}", headers=notifier.staff(rid)
        )
        assert gone.status_code == 204
        again = await notifier.client.delete(
            f"/v1/restaurants/{rid}/webhooks/{hook['id']}", headers=notifier.staff(rid)
        )
        assert again.status_code == 404
        await bus.publish(PartyLeft(party_id=uuid.uuid4(), restaurant_id=rid, by="staff"))
        # Once its notification exists, the event was applied (and any webhook queued).
        await helpers.eventually(lambda: notifier.notifications(rid))
        await asyncio.sleep(0.3)
        assert receiver.requests == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "example.com/hook"],
)
async def test_a_webhook_url_that_is_not_http_is_refused(start_notifier, url):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        answer = await register(notifier, rid, url)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == "url"
        listed = await notifier.client.get(
            f"/v1/restaurants/{rid}/webhooks", headers=notifier.staff(rid)
        )
        assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_a_webhook_url_pointing_at_a_private_address_is_refused(start_notifier, url):
    rid = uuid.uuid4()
    async with start_notifier(webhook_allow_private=False) as notifier:
        answer = await register(notifier, rid, url)
        assert answer.status_code == 422, answer.text
        assert "private" in answer.json()["errors"][0]["message"]
        listed = await notifier.client.get(
            f"/v1/restaurants/{rid}/webhooks", headers=notifier.staff(rid)
        )
        assert listed.json()["items"] == []


async def test_a_webhook_to_a_public_address_is_accepted_without_the_test_override(
    start_notifier,
):
    rid = uuid.uuid4()
    async with start_notifier(webhook_allow_private=False) as notifier:
        answer = await register(notifier, rid, "https://93.184.215.14/hooks/maitred")
        assert answer.status_code == 201, answer.text


async def test_an_unknown_event_type_cannot_be_subscribed(start_notifier, receiver):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        answer = await register(notifier, rid, receiver.url, ["waitlist.party.danced.v1"])
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "event_types.0"


async def test_only_an_owner_of_the_restaurant_manages_its_webhooks(start_notifier, receiver):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        assert (await register(notifier, rid, receiver.url, role="host")).status_code == 403
        other = await notifier.client.post(
            f"/v1/restaurants/{rid}/webhooks",
            json={"url": receiver.url, "event_types": HOOK_TYPES},
            headers=notifier.staff(uuid.uuid4()),
        )
        assert other.status_code == 404
        anonymous = await notifier.client.post(
            f"/v1/restaurants/{rid}/webhooks", json={"url": receiver.url, "event_types": HOOK_TYPES}
        )
        assert anonymous.status_code == 401
        listed = await notifier.client.get(
            f"/v1/restaurants/{rid}/webhooks", headers=notifier.staff(rid)
        )
        assert listed.json()["items"] == []
