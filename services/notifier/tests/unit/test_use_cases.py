"""The notifier's use cases on the in-memory unit of work: what a diner and staff would be
sent, what is queued for the delivery worker, and what is published on the bus."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maitred_contracts import (
    CloudEvent,
    EventData,
    NotificationCreated,
    PartyCalled,
    PartyJoined,
    ReservationCancelled,
    ReservationCreated,
    RestaurantCreated,
    TableCreated,
)
from maitred_platform.credentials import seal
from maitred_platform.problems import Problem
from notifier.config import Settings
from notifier.service import incoming, opt_outs, restaurants
from notifier.service.context import Context
from notifier.service.delivery_worker import claim_due_deliveries

from .fakes import FakeNotifierUnitOfWork

NOW = datetime(2026, 6, 13, 18, 0, tzinfo=UTC)  # 20:00 in Paris
PHONE = "+33612345678"
_sequence = itertools.count(1)


@pytest.fixture
def ctx() -> Context:
    return Context(settings=Settings(public_base_url="https://maitred.example"), clock=lambda: NOW)


@pytest.fixture
async def place(ctx: Context) -> dict[str, Any]:
    """A restaurant in Paris with a table T4, as the reservations events told the notifier."""
    uow = FakeNotifierUnitOfWork()
    rid, table_id = uuid.uuid4(), uuid.uuid4()
    created = RestaurantCreated.example().model_copy(
        update={"restaurant_id": rid, "name": "Le Petit Zinc", "timezone": "Europe/Paris"}
    )
    await arrive(uow, ctx, created)
    table = TableCreated.example().model_copy(
        update={"restaurant_id": rid, "table_id": table_id, "label": "T4"}
    )
    await arrive(uow, ctx, table)
    uow.published.clear()
    return {"uow": uow, "restaurant_id": rid, "table_id": table_id}


async def arrive(uow: FakeNotifierUnitOfWork, ctx: Context, data: EventData) -> CloudEvent:
    """The event as the consumer hands it over: one use case, in a unit of work."""
    event = CloudEvent.build(data, sequence=next(_sequence))
    await incoming.apply_event(uow, ctx, event, data)
    return event


async def joined(uow: FakeNotifierUnitOfWork, ctx: Context, rid: uuid.UUID) -> uuid.UUID:
    party_id = uuid.uuid4()
    data = PartyJoined.example().model_copy(
        update={"restaurant_id": rid, "party_id": party_id, "name": "Ana", "phone": PHONE}
    )
    await arrive(uow, ctx, data)
    return party_id


def called(rid: uuid.UUID, party_id: uuid.UUID, table_id: uuid.UUID, expires_at: datetime) -> Any:
    return PartyCalled.example().model_copy(
        update={
            "restaurant_id": rid,
            "party_id": party_id,
            "table_id": table_id,
            "called_at": NOW,
            "expires_at": expires_at,
        }
    )


def created_events(uow: FakeNotifierUnitOfWork, kind: str) -> list[NotificationCreated]:
    return [e for e in uow.published if isinstance(e, NotificationCreated) and e.kind == kind]


async def test_a_called_party_is_texted_its_table_and_check_in_time(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid, table_id = place["uow"], place["restaurant_id"], place["table_id"]
    party_id = await joined(uow, ctx, rid)

    await arrive(uow, ctx, called(rid, party_id, table_id, NOW + timedelta(minutes=5)))

    texts = [uow.body_of(d) for d in uow.texts_to(PHONE)]
    assert texts[-1] == "Ana, your table (T4) at Le Petit Zinc is ready — check in by 20:05."
    [shown] = created_events(uow, "party_called")
    assert (shown.audience, shown.party_id) == ("party", party_id)
    assert shown.title == "Your table is ready"
    assert shown.channels == ["realtime", "sms"]


async def test_a_call_past_its_deadline_sends_nothing(ctx: Context, place: dict[str, Any]) -> None:
    uow, rid, table_id = place["uow"], place["restaurant_id"], place["table_id"]
    party_id = await joined(uow, ctx, rid)
    texts_before = len(uow.texts_to(PHONE))
    uow.published.clear()

    await arrive(uow, ctx, called(rid, party_id, table_id, NOW - timedelta(seconds=1)))

    assert len(uow.texts_to(PHONE)) == texts_before
    assert uow.published == []


async def test_the_same_event_twice_makes_one_message(ctx: Context, place: dict[str, Any]) -> None:
    uow, rid, table_id = place["uow"], place["restaurant_id"], place["table_id"]
    party_id = await joined(uow, ctx, rid)
    data = called(rid, party_id, table_id, NOW + timedelta(minutes=5))
    event = CloudEvent.build(data, sequence=next(_sequence))

    await incoming.apply_event(uow, ctx, event, data)
    await incoming.apply_event(uow, ctx, event, data)

    assert len(created_events(uow, "party_called")) == 1


async def test_a_diner_who_replies_stop_gets_no_more_texts(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid, table_id = place["uow"], place["restaurant_id"], place["table_id"]
    party_id = await joined(uow, ctx, rid)  # "you're on the list", not sent yet

    reply = await opt_outs.answer_reply(uow, PHONE, "stop")
    await arrive(uow, ctx, called(rid, party_id, table_id, NOW + timedelta(minutes=5)))

    assert (reply.intent, reply.restaurants) == ("stop", 1)
    # The text made before the STOP is not sent either: the worker skips it.
    claimed = await claim_due_deliveries(uow, now=NOW, lease=timedelta(seconds=25), limit=10)
    assert [item.channel for item in claimed] == []
    sms = [d for d in uow.deliveries.items if d.channel == "sms"]
    assert [(d.status, d.last_error) for d in sms] == [("skipped", "opted_out")] * 2
    # The realtime message still reaches the diner's page.
    assert len(created_events(uow, "party_called")) == 1


async def test_start_undoes_the_diners_stop_but_not_an_opt_out_by_staff(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid = place["uow"], place["restaurant_id"]
    other = uuid.uuid4()
    await joined(uow, ctx, rid)
    await joined(uow, ctx, other)
    await opt_outs.opt_out_by_staff(uow, other, PHONE)
    await opt_outs.answer_reply(uow, PHONE, "STOP")

    reply = await opt_outs.answer_reply(uow, PHONE, "start")

    assert reply.intent == "start"
    assert not await uow.opt_outs.blocks(rid, PHONE)
    assert await uow.opt_outs.blocks(other, PHONE)


async def test_a_booking_is_confirmed_to_the_diner_with_its_manage_link_and_told_to_staff(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid = place["uow"], place["restaurant_id"]
    reservation_id = uuid.uuid4()
    booking = ReservationCreated.example().model_copy(
        update={
            "restaurant_id": rid,
            "reservation_id": reservation_id,
            "name": "Camille",
            "phone": PHONE,
            "party_size": 4,
            "table_label": "T4",
            "starts_at": NOW + timedelta(days=1),
            "manage_token_sealed": seal("tok-123", ctx.settings.internal_key),
        }
    )

    await arrive(uow, ctx, booking)

    [text] = uow.texts_to(PHONE)
    assert uow.body_of(text) == (
        "Camille, your table for 4 at Le Petit Zinc is booked for Sun 14 Jun 20:00. "
        f"Manage or cancel: https://maitred.example/reservations/{reservation_id}?token=tok-123"
    )
    [staff] = created_events(uow, "staff_booking_created")
    assert (staff.audience, staff.reservation_id) == ("restaurant", reservation_id)
    assert staff.body == "Camille, 4 people, Sun 14 Jun 20:00, table T4."
    assert created_events(uow, "booking_confirmed") == []  # a diner's booking is SMS only
    reminder = uow.reminders.items[reservation_id]
    assert (reminder.status, reminder.due_at) == ("pending", NOW + timedelta(days=1, hours=-2))


async def test_a_cancellation_drops_the_reminder_and_tells_the_diner(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid = place["uow"], place["restaurant_id"]
    reservation_id = uuid.uuid4()
    update = {"restaurant_id": rid, "reservation_id": reservation_id, "phone": PHONE}
    booked = ReservationCreated.example().model_copy(
        update={**update, "starts_at": NOW + timedelta(days=1)}
    )
    await arrive(uow, ctx, booked)

    await arrive(uow, ctx, ReservationCancelled.example().model_copy(update=update))

    assert uow.reminders.items[reservation_id].status == "cancelled"
    told = uow.body_of(uow.texts_to(PHONE)[-1])
    assert told == "Camille, your booking at Le Petit Zinc for Sun 14 Jun 20:00 is cancelled."
    assert len(created_events(uow, "staff_booking_cancelled")) == 1


async def test_settings_with_a_channel_a_rule_cannot_use_are_refused(
    ctx: Context, place: dict[str, Any]
) -> None:
    uow, rid = place["uow"], place["restaurant_id"]
    change = restaurants.SettingsChange(
        given=frozenset({"channels"}), channels={"booking_confirmed": ["email"]}
    )

    with pytest.raises(Problem) as refused:
        await restaurants.change_settings(uow, ctx, rid, change)

    assert refused.value.status == 422
    assert uow.commits == 2  # the two events of the fixture: nothing more
