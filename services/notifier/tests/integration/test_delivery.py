"""Reliable delivery: once per event whatever the redeliveries; retried, recorded, unblocked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from maitred_contracts import PartyJoined, PartyLeft


def joined(restaurant_id: uuid.UUID, phone: str | None, name: str = "Alex") -> PartyJoined:
    return PartyJoined(
        party_id=uuid.uuid4(),
        restaurant_id=restaurant_id,
        name=name,
        party_size=2,
        preference="any",
        phone=phone,
        position=1,
        parties_ahead=0,
        estimated_wait_minutes=5,
        estimate_low_minutes=0,
        estimate_high_minutes=10,
        joined_at=datetime.now(UTC),
    )


async def test_the_same_event_delivered_twice_sends_once(start_notifier, bus, sms_server, helpers):
    rid = uuid.uuid4()
    phone, later_phone = helpers.new_phone(), helpers.new_phone()
    async with start_notifier() as notifier:
        event = bus.envelope(joined(rid, phone))
        await bus.publish(event)
        await bus.publish(event)  # the broker redelivers, or a relay publishes twice
        # Events of one restaurant are applied in order: once this one is sent, both were seen.
        await bus.publish(joined(rid, later_phone))
        await helpers.eventually(lambda: sms_server.sms_to(later_phone))
        await asyncio.sleep(0.3)  # a few worker rounds, in case a second SMS were queued
        assert len(sms_server.sms_to(phone)) == 1
        items = await notifier.notifications(rid)
        assert len(items) == 2


async def test_a_provider_failing_twice_then_succeeding_is_retried_and_recorded(
    start_notifier, bus, tap, sms_server, helpers
):
    rid = uuid.uuid4()
    phone = helpers.new_phone()
    sms_server.script_sms(phone, [503, 503])
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, phone))
        await helpers.eventually(
            lambda: tap.of(
                "notifier.notification.delivered.v1", channel="sms", restaurant_id=str(rid)
            )
        )
        assert len(sms_server.sms_to(phone)) == 3  # two refusals, one success
        [item] = await notifier.notifications(rid)
        [sms] = [d for d in item["deliveries"] if d["channel"] == "sms"]
        assert sms["status"] == "delivered" and sms["attempts"] == 3
        [delivered] = tap.of("notifier.notification.delivered.v1", restaurant_id=str(rid))
        assert delivered["data"]["attempts"] == 3
        assert delivered["data"]["notification_id"] == item["id"]
        metrics = (await notifier.client.get("/metrics")).text
        assert 'notifier_deliveries_retried_total{channel="sms"}' in metrics


async def test_an_unreachable_provider_is_retried_then_marked_failed_with_the_reason(
    start_notifier, bus, tap, hold_port, helpers
):
    rid = uuid.uuid4()
    dead = hold_port().url  # bound, not listening, for the whole test: connections refused
    async with start_notifier(sms_base_url=dead, delivery_max_attempts=3) as notifier:
        await bus.publish(joined(rid, helpers.new_phone()))
        await helpers.eventually(
            lambda: tap.of("notifier.notification.failed.v1", restaurant_id=str(rid))
        )
        [failed] = tap.of("notifier.notification.failed.v1", restaurant_id=str(rid))
        assert failed["data"]["channel"] == "sms"
        assert failed["data"]["attempts"] == 3
        assert failed["data"]["reason"].startswith("provider_unreachable")
        [item] = await notifier.notifications(rid)
        [sms] = [d for d in item["deliveries"] if d["channel"] == "sms"]
        assert sms["status"] == "failed" and sms["attempts"] == 3
        assert sms["last_error"].startswith("provider_unreachable")


async def test_a_provider_refusing_the_number_is_not_retried(
    start_notifier, bus, sms_server, helpers
):
    rid = uuid.uuid4()
    phone = helpers.new_phone()
    sms_server.script_sms(phone, [400])
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, phone))

        async def failed() -> bool:
            items = await notifier.notifications(rid)
            return bool(items) and any(d["status"] == "failed" for d in items[0]["deliveries"])

        await helpers.eventually(failed)
        assert len(sms_server.sms_to(phone)) == 1
        [item] = await notifier.notifications(rid)
        [sms] = [d for d in item["deliveries"] if d["channel"] == "sms"]
        assert sms["last_error"] == "provider_status_400" and sms["attempts"] == 1


async def test_a_hanging_provider_does_not_hold_up_other_restaurants_or_channels(
    start_notifier, bus, sms_server, receiver, helpers
):
    slow_restaurant, other_restaurant = uuid.uuid4(), uuid.uuid4()
    stuck_phone = helpers.new_phone()
    sms_server.hold.clear()  # the SMS provider accepts the request and does not answer
    async with start_notifier(send_timeout_seconds=5) as notifier:
        answer = await notifier.client.post(
            f"/v1/restaurants/{other_restaurant}/webhooks",
            json={"url": receiver.url + "/hook", "event_types": ["waitlist.party.left.v1"]},
            headers=notifier.staff(other_restaurant),
        )
        assert answer.status_code == 201, answer.text
        await bus.publish(joined(slow_restaurant, stuck_phone))
        await helpers.eventually(lambda: sms_server.sms_to(stuck_phone))
        await bus.publish(
            PartyLeft(party_id=uuid.uuid4(), restaurant_id=other_restaurant, by="staff")
        )
        # The webhook of another restaurant arrives while the SMS is still hanging.
        await helpers.eventually(lambda: receiver.requests)
        [item] = await notifier.notifications(slow_restaurant)
        [sms] = [d for d in item["deliveries"] if d["channel"] == "sms"]
        assert sms["status"] == "sending"
        sms_server.hold.set()


async def test_two_instances_share_the_deliveries_and_send_each_once(
    start_notifier, bus, sms_server, helpers
):
    rid = uuid.uuid4()
    phones = [helpers.new_phone() for _ in range(20)]
    async with start_notifier() as first, start_notifier():
        for phone in phones:
            await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: all(sms_server.sms_to(p) for p in phones))
        await asyncio.sleep(0.3)
        assert [len(sms_server.sms_to(p)) for p in phones] == [1] * 20
        items = await first.notifications(rid)
        assert len(items) == 20
