"""Opt-out (STOP replies and staff) and e-mail over a real local SMTP server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from maitred_contracts import PartyJoined, PartyLeft, ReservationCreated
from notifier.entrypoints.sms_api import provider_signature


def joined(restaurant_id: uuid.UUID, phone: str) -> PartyJoined:
    return PartyJoined(
        party_id=uuid.uuid4(),
        restaurant_id=restaurant_id,
        name="Alex",
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


def signed_reply(notifier, phone: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    form = {"From": phone, "Body": body, "To": "+15005550006"}
    url = notifier.settings.public_base_url + "/v1/sms/inbound"
    signature = provider_signature(notifier.settings.sms_auth_token, url, form)
    return form, {"X-Twilio-Signature": signature}


async def sms_status(notifier, rid: uuid.UUID, kind: str) -> tuple[str, str | None] | None:
    for item in await notifier.notifications(rid):
        if item["kind"] == kind:
            for d in item["deliveries"]:
                if d["channel"] == "sms":
                    return d["status"], d["last_error"]
    return None


async def test_a_stop_reply_opts_the_phone_out_of_the_restaurants_that_texted_it(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        party = joined(rid, phone)
        await bus.publish(party)
        await helpers.eventually(lambda: sms_server.sms_to(phone))

        form, headers = signed_reply(notifier, phone, " stop ")
        answer = await notifier.client.post("/v1/sms/inbound", data=form, headers=headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/xml")

        await bus.publish(PartyLeft(party_id=party.party_id, restaurant_id=rid, by="diner"))
        await helpers.eventually(lambda: sms_status(notifier, rid, "party_left"))
        assert await sms_status(notifier, rid, "party_left") == ("skipped", "opted_out")
        assert len(sms_server.sms_to(phone)) == 1

        form, headers = signed_reply(notifier, phone, "START")
        assert (
            await notifier.client.post("/v1/sms/inbound", data=form, headers=headers)
        ).status_code == 200
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)


async def test_an_unsigned_inbound_sms_is_refused_and_changes_nothing(
    start_notifier, bus, sms_server, helpers
):
    rid, phone = uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        forged = await notifier.client.post(
            "/v1/sms/inbound",
            data={"From": phone, "Body": "STOP"},
            headers={"X-Twilio-Signature": "bm90IHRoZSBzaWduYXR1cmU="},
        )
        assert forged.status_code == 403
        assert forged.headers["content-type"] == "application/problem+json"
        await bus.publish(joined(rid, phone))
        await helpers.eventually(lambda: len(sms_server.sms_to(phone)) == 2)


async def test_an_inbound_sms_from_a_non_phone_is_refused(start_notifier):
    async with start_notifier(sms_provider="log") as notifier:
        answer = await notifier.client.post("/v1/sms/inbound", data={"From": "bob", "Body": "STOP"})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "From"


async def test_staff_can_opt_a_phone_out_of_their_restaurant(
    start_notifier, bus, sms_server, helpers
):
    rid, other, phone = uuid.uuid4(), uuid.uuid4(), helpers.new_phone()
    async with start_notifier() as notifier:
        answer = await notifier.client.post(
            f"/v1/restaurants/{rid}/opt-outs",
            json={"phone": phone},
            headers=notifier.staff(rid, "host"),
        )
        assert answer.status_code == 201
        assert phone not in answer.text
        await bus.publish(joined(rid, phone))
        await bus.publish(joined(other, phone))  # another restaurant may still text it
        await helpers.eventually(lambda: sms_server.sms_to(phone))
        await helpers.eventually(lambda: sms_status(notifier, rid, "waitlist_joined"))
        assert await sms_status(notifier, rid, "waitlist_joined") == ("skipped", "opted_out")
        assert len(sms_server.sms_to(phone)) == 1


async def test_an_opt_out_of_a_malformed_phone_is_refused(start_notifier):
    rid = uuid.uuid4()
    async with start_notifier() as notifier:
        answer = await notifier.client.post(
            f"/v1/restaurants/{rid}/opt-outs", json={"phone": "0612"}, headers=notifier.staff(rid)
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "phone"
        other = await notifier.client.post(
            f"/v1/restaurants/{rid}/opt-outs",
            json={"phone": "+33612345678"},
            headers=notifier.staff(uuid.uuid4()),
        )
        assert other.status_code == 404


def booking(restaurant_id: uuid.UUID) -> ReservationCreated:
    starts_at = datetime.now(UTC) + timedelta(days=1)
    return ReservationCreated(
        reservation_id=uuid.uuid4(),
        restaurant_id=restaurant_id,
        table_id=uuid.uuid4(),
        table_label="T9",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        party_size=3,
        name="Camille",
        phone=None,
    )


async def set_email(notifier, rid: uuid.UUID, email: str) -> None:
    answer = await notifier.client.patch(
        f"/v1/restaurants/{rid}/notification-settings",
        json={"email": email},
        headers=notifier.staff(rid),
    )
    assert answer.status_code == 200, answer.text


async def test_staff_e_mail_reaches_the_smtp_server(start_notifier, bus, smtp_sink, helpers):
    sink, port = smtp_sink
    rid = uuid.uuid4()
    async with start_notifier(smtp_port=port) as notifier:
        await set_email(notifier, rid, "floor@zinc.example")
        await bus.publish(booking(rid))
        await helpers.eventually(lambda: sink.messages)
        [envelope] = sink.messages
        assert envelope.rcpt_tos == ["floor@zinc.example"]
        text = envelope.content.decode()
        assert "Subject: New booking" in text and "Camille" in text and "T9" in text


async def test_an_unreachable_smtp_server_is_retried_until_it_is_back_and_sends_once(
    start_notifier, bus, hold_port, helpers
):
    # Held bound, not listening, until the server is started on the very same socket.
    rid, port = uuid.uuid4(), hold_port()
    sink = helpers.SmtpSink()
    async with start_notifier(smtp_port=port.port, delivery_max_attempts=50) as notifier:
        await set_email(notifier, rid, "floor@zinc.example")
        await bus.publish(booking(rid))

        async def retried() -> bool:
            for item in await notifier.notifications(rid):
                for d in item["deliveries"]:
                    if d["channel"] == "email" and d["attempts"] >= 2:
                        return d["last_error"].startswith("smtp_unavailable")
            return False

        await helpers.eventually(retried)
        controller = port.serve_smtp(sink)
        try:
            await helpers.eventually(lambda: sink.messages)
            await asyncio.sleep(0.5)
            assert len(sink.messages) == 1
        finally:
            controller.stop()
