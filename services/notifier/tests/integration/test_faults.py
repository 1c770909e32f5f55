"""Bad templates and unknown events never stop the consumer."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import aio_pika

from maitred_contracts import PartyJoined


def joined(restaurant_id: uuid.UUID, phone: str) -> PartyJoined:
    return PartyJoined(
        party_id=uuid.uuid4(),
        restaurant_id=restaurant_id,
        name="Alex",
        party_size=2,
        preference="any",
        phone=phone,
        position=2,
        parties_ahead=1,
        estimated_wait_minutes=10,
        estimate_low_minutes=5,
        estimate_high_minutes=15,
        joined_at=datetime.now(UTC),
    )


async def test_a_template_that_fails_to_render_falls_back_to_the_default_and_is_reported(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        # Valid syntax, so it is accepted; it fails only when rendered (no such variable).
        changed = await notifier.client.patch(
            f"/v1/restaurants/{rid}/notification-settings",
            json={"templates": {"waitlist_joined": {"body": "Hi {{ guest.first_name }}!"}}},
            headers=notifier.staff(rid),
        )
        assert changed.status_code == 200, changed.text
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        body = sms_server.sms_to(phone)[0]["Body"]
        assert body.startswith("Hi Alex, you're #2 on the waitlist")
        [item] = await notifier.notifications(rid)
        assert "guest" in item["template_error"]
        metrics = (await notifier.client.get("/metrics")).text
        assert 'notifier_template_failures_total{kind="waitlist_joined"}' in metrics


async def test_a_restaurant_template_is_used_when_it_renders(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        await notifier.client.patch(
            f"/v1/restaurants/{rid}/notification-settings",
            json={
                "templates": {
                    "waitlist_joined": {"body": "{{ name|upper }} is number {{ position }}"}
                }
            },
            headers=notifier.staff(rid),
        )
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        assert sms_server.sms_to(phone)[0]["Body"] == "ALEX is number 2"


async def test_an_event_of_an_unknown_type_is_acknowledged_and_ignored(
    start_notifier, bus, amqp_url, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier():
        unknown = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/maitred/waitlist",
            "type": "waitlist.party.teleported.v7",
            "time": datetime.now(UTC).isoformat(),
            "restaurantid": str(rid),
            "sequence": 1,
            "data": {"restaurant_id": str(rid)},
        }
        # A newer producer's type reaches the notifier's queue (as a binding of a later
        # release would route it there).
        connection = await aio_pika.connect_robust(amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=json.dumps(unknown).encode(),
                    message_id=unknown["id"],
                    headers={"restaurantid": str(rid)},
                ),
                routing_key="maitred.notifier",
            )
            await bus.publish(joined(rid, phone))
            await helpers.eventually(lambda: sms_server.sms_to(phone))
            await asyncio.sleep(0.2)
            queue = await channel.declare_queue("maitred.notifier", passive=True)
            parking = await channel.declare_queue("maitred.notifier.parking", passive=True)
            assert queue.declaration_result.message_count == 0
            assert parking.declaration_result.message_count == 0


async def test_a_template_with_a_syntax_error_is_refused(start_notifier):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        answer = await notifier.client.patch(
            f"/v1/restaurants/{rid}/notification-settings",
            json={"templates": {"party_called": {"body": "Ready {{ name "}}},
            headers=notifier.staff(rid),
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "templates.party_called.body"
        shown = await notifier.client.get(
            f"/v1/restaurants/{rid}/notification-settings", headers=notifier.staff(rid)
        )
        assert shown.json()["templates"] == {}


async def test_a_sandboxed_template_cannot_reach_python_internals(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        escape = "{{ name.__class__.__mro__[1].__subclasses__() }}"
        answer = await notifier.client.patch(
            f"/v1/restaurants/{rid}/notification-settings",
            json={"templates": {"waitlist_joined": {"body": escape}}},
            headers=notifier.staff(rid),
        )
        assert answer.status_code == 200
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        body = sms_server.sms_to(phone)[0]["Body"]
        assert "class" not in body and body.startswith("Hi Alex")
        [item] = await notifier.notifications(rid)
        assert item["template_error"]
