"""Booking messages with the manage link, and reminders that fire once and survive restarts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from maitred_contracts import (
    ReservationCancelled,
    ReservationCreated,
    ReservationLookupRequested,
    ReservationSummary,
)
from maitred_platform.credentials import seal


def booking(
    restaurant_id: uuid.UUID, phone: str, starts_at: datetime, token: str, key: str
) -> ReservationCreated:
    return ReservationCreated(
        reservation_id=uuid.uuid4(),
        restaurant_id=restaurant_id,
        table_id=uuid.uuid4(),
        table_label="T4",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        party_size=4,
        name="Camille",
        phone=phone,
        manage_token_sealed=seal(token, key),
    )


def shifted(minutes: float):
    return lambda: datetime.now(UTC) + timedelta(minutes=minutes)


async def test_booking_confirmation_carries_the_manage_link_and_staff_never_see_the_token(
    start_notifier, bus, sms_server, helpers
):
    rid, phone, token = uuid.uuid4(), helpers.new_phone(), "bk_secret-token-123"
    async with start_notifier() as notifier:
        made = booking(rid, phone, helpers.later(60 * 24), token, notifier.settings.internal_key)
        await bus.publish(made)
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        body = sms_server.sms_to(phone)[0]["Body"]
        link = f"https://maitred.example/reservations/{made.reservation_id}?token={token}"
        assert link in body and "Camille" in body
        items = await notifier.notifications(rid)
        assert {i["kind"] for i in items} == {"booking_confirmed", "staff_booking_created"}
        assert token not in str(items)
        staff = next(i for i in items if i["kind"] == "staff_booking_created")
        assert staff["audience"] == "restaurant" and "T4" in staff["body"]


async def test_reminders_fire_once_across_two_instances_and_survive_a_restart(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    starts_at = helpers.later(180)  # the reminder is due 120 minutes before: in an hour
    async with start_notifier() as first:
        made = booking(rid, phone, starts_at, "bk_tok", first.settings.internal_key)
        await bus.publish(made)
        await helpers.eventually(lambda: sms_server.sms_to(phone))
    # The first instance is gone; an hour later two instances run side by side.
    async with start_notifier(clock=shifted(61)), start_notifier(clock=shifted(61)):

        def reminders() -> list[dict[str, str]]:
            return [m for m in sms_server.sms_to(phone) if m["Body"].startswith("Reminder")]

        await helpers.eventually(reminders)
        await asyncio.sleep(0.5)  # ten worker rounds of each instance
        assert len(reminders()) == 1
        assert "bk_tok" in reminders()[0]["Body"]


async def test_a_cancelled_booking_gets_no_reminder_but_a_cancellation(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        made = booking(rid, phone, helpers.later(180), "bk_tok", notifier.settings.internal_key)
        await bus.publish(made)
        cancelled = ReservationCancelled(
            reservation_id=made.reservation_id,
            restaurant_id=rid,
            table_id=made.table_id,
            starts_at=made.starts_at,
            cancelled_by="diner",
        )
        await bus.publish(cancelled)
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)
        assert "is cancelled" in sms_server.sms_to(phone)[1]["Body"]
    async with start_notifier(clock=shifted(125)):
        await asyncio.sleep(0.5)
    assert len(sms_server.sms_to(phone)) == 2


async def test_a_cancellation_overtaking_its_booking_still_drops_the_reminder(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        made = booking(rid, phone, helpers.later(180), "bk_tok", notifier.settings.internal_key)
        cancelled = ReservationCancelled(
            reservation_id=made.reservation_id,
            restaurant_id=rid,
            table_id=made.table_id,
            starts_at=made.starts_at,
            cancelled_by="staff",
        )
        await bus.publish(cancelled)
        await bus.publish(made)
        await helpers.eventually(lambda: sms_server.sms_to(phone))
    async with start_notifier(clock=shifted(125)):
        await asyncio.sleep(0.5)
    assert not [m for m in sms_server.sms_to(phone) if m["Body"].startswith("Reminder")]


async def test_lookup_by_phone_sends_the_links_to_that_phone_only(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        key = notifier.settings.internal_key
        first, second = uuid.uuid4(), uuid.uuid4()
        found = [
            ReservationSummary(
                reservation_id=second,
                starts_at=helpers.later(60 * 48),
                party_size=2,
                manage_token_sealed=seal("bk_two", key),
            ),
            ReservationSummary(
                reservation_id=first,
                starts_at=helpers.later(60 * 24),
                party_size=4,
                manage_token_sealed=seal("bk_one", key),
            ),
        ]
        await bus.publish(
            ReservationLookupRequested(restaurant_id=rid, phone=phone, reservations=found)
        )
        await bus.publish(
            ReservationLookupRequested(restaurant_id=rid, phone=phone, reservations=[])
        )
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        body = sms_server.sms_to(phone)[0]["Body"]
        one = body.index(f"/reservations/{first}?token=bk_one")
        two = body.index(f"/reservations/{second}?token=bk_two")
        assert one < two  # soonest first
        await asyncio.sleep(0.3)
        assert len(sms_server.sms_to(phone)) == 1  # nothing found: nothing sent
