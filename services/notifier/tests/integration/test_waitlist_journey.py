"""A diner's waitlist journey produces the right message on the right channel, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from maitred_contracts import (
    PartyCalled,
    PartyHeadsUp,
    PartyJoined,
    PartyLeft,
    PartyNoShow,
    RestaurantCreated,
    TableCreated,
)

NOW = datetime.now(UTC)


def joined(restaurant_id: uuid.UUID, party_id: uuid.UUID, phone: str | None) -> PartyJoined:
    return PartyJoined(
        party_id=party_id,
        restaurant_id=restaurant_id,
        name="Alex",
        party_size=2,
        preference="any",
        phone=phone,
        position=3,
        parties_ahead=2,
        estimated_wait_minutes=25,
        estimate_low_minutes=20,
        estimate_high_minutes=35,
        joined_at=NOW,
    )


def restaurant(restaurant_id: uuid.UUID) -> RestaurantCreated:
    example = RestaurantCreated.example()
    return example.model_copy(
        update={"restaurant_id": restaurant_id, "name": "Le Petit Zinc", "timezone": "Asia/Tokyo"}
    )


async def test_each_step_of_the_waitlist_reaches_the_diner_by_sms_and_realtime(
    start_notifier, bus, tap, sms_server, helpers
):
    rid, pid, table_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    phone = helpers.new_phone()
    deadline = datetime.now(UTC) + timedelta(minutes=10)
    async with start_notifier() as notifier:
        await bus.publish(restaurant(rid))
        table = TableCreated.example().model_copy(
            update={"restaurant_id": rid, "table_id": table_id, "label": "T7"}
        )
        await bus.publish(table)
        await bus.publish(joined(rid, pid, phone))
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 1)
        first = sms_server.sms_to(phone)[0]
        assert "#3" in first["Body"] and "Le Petit Zinc" in first["Body"]
        assert f"https://maitred.example/r/{rid}" in first["Body"]
        assert first["From"] == "+15005550006"

        called = PartyCalled(
            party_id=pid,
            restaurant_id=rid,
            table_id=table_id,
            party_size=2,
            called_at=datetime.now(UTC),
            expires_at=deadline,
        )
        await bus.publish(called)
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)
        ready = sms_server.sms_to(phone)[1]["Body"]
        tokyo = deadline.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        assert f"check in by {tokyo}" in ready and "(T7)" in ready

        await bus.publish(
            PartyHeadsUp(party_id=pid, restaurant_id=rid, expected_ready_at=deadline, minutes=5)
        )
        await bus.publish(PartyLeft(party_id=pid, restaurant_id=rid, by="diner"))
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 4)
        # Two messages due at once are sent concurrently: each arrives once, in either order.
        last_two = [m["Body"] for m in sms_server.sms_to(phone)[2:]]
        assert sum("about 5 minutes" in body for body in last_two) == 1
        assert sum("no longer on the waitlist" in body for body in last_two) == 1

        # The gateway's realtime feed: one notification.created per message, for this party.
        created = "notifier.notification.created.v1"
        await helpers.eventually(lambda: len(tap.of(created, party_id=str(pid))) == 4)
        kinds = [e["data"]["kind"] for e in tap.of(created, party_id=str(pid))]
        assert kinds == ["waitlist_joined", "party_called", "party_heads_up", "party_left"]
        assert all(e["data"]["audience"] == "party" for e in tap.of(created, party_id=str(pid)))

        items = await notifier.notifications(rid)
        assert [i["kind"] for i in items] == kinds[::-1]
        sms = items[0]["deliveries"]
        assert {d["channel"] for d in sms} == {"realtime", "sms"}
        sms_delivery = next(d for d in sms if d["channel"] == "sms")
        assert phone not in str(items)
        assert sms_delivery["to"] == phone[:3] + "…" + phone[-2:]


async def test_a_call_that_arrives_after_its_deadline_is_not_sent(
    start_notifier, bus, sms_server, helpers
):
    rid, pid = uuid.uuid4(), uuid.uuid4()
    phone = helpers.new_phone()
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, pid, phone))
        stale = PartyCalled(
            party_id=pid,
            restaurant_id=rid,
            table_id=uuid.uuid4(),
            party_size=2,
            called_at=datetime.now(UTC) - timedelta(minutes=20),
            expires_at=datetime.now(UTC) - timedelta(minutes=10),
        )
        await bus.publish(stale)
        await bus.publish(PartyNoShow(party_id=pid, restaurant_id=rid, requeued=False))
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)
        bodies = [m["Body"] for m in sms_server.sms_to(phone)]
        # The two texts may be sent in either order; the stale call is never one of them.
        assert sorted("didn't check in in time" in b for b in bodies) == [False, True]
        assert not any("is ready" in b for b in bodies)
        kinds = [i["kind"] for i in await notifier.notifications(rid)]
        assert kinds == ["party_no_show", "waitlist_joined"]


async def test_a_party_without_phone_gets_realtime_only(start_notifier, bus, tap, helpers):
    rid, pid = uuid.uuid4(), uuid.uuid4()
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, pid, None))
        await helpers.eventually(
            lambda: tap.of("notifier.notification.created.v1", party_id=str(pid))
        )
        items = await notifier.notifications(rid)
        assert [d["channel"] for d in items[0]["deliveries"]] == ["realtime"]
        assert items[0]["deliveries"][0]["status"] == "delivered"


async def test_a_call_retried_after_the_party_left_is_not_sent(
    start_notifier, bus, sms_server, helpers
):
    rid, pid = uuid.uuid4(), uuid.uuid4()
    phone = helpers.new_phone()
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, pid, phone))
        called = bus.envelope(
            PartyCalled(
                party_id=pid,
                restaurant_id=rid,
                table_id=uuid.uuid4(),
                party_size=2,
                called_at=datetime.now(UTC),
                expires_at=datetime.now(UTC) + timedelta(minutes=10),
            )
        )
        left = bus.envelope(PartyLeft(party_id=pid, restaurant_id=rid, by="diner"))
        # The call failed once and came back from the retry queue after the departure.
        await bus.publish(left)
        await bus.publish(called)
        await bus.publish(joined(rid, uuid.uuid4(), None))  # a later event: both were applied

        async def later_event_applied() -> bool:
            return len(await notifier.notifications(rid)) >= 3

        await helpers.eventually(later_event_applied)
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)
        kinds = [i["kind"] for i in await notifier.notifications(rid)]
        assert sorted(kinds) == ["party_left", "waitlist_joined", "waitlist_joined"]
