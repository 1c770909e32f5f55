"""Deadlines and heads-ups stored in the database and driven by the worker, not by sleeps."""

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from maitred_contracts import TableStatusChanged
from maitred_messaging.outbox import OUTBOX
from maitred_messaging.testing import wait_until
from waitlist.adapters import orm
from waitlist.service.timers import run_due_timers
from waitlist.service.unit_of_work import WaitlistUnitOfWork

NO_SHOW = "waitlist.party.no_show.v1"
CALLED = "waitlist.party.called.v1"


def becomes(rid, table_id, status, capacity=4, **extra):  # type: ignore[no-untyped-def]
    return TableStatusChanged(
        restaurant_id=rid,
        table_id=table_id,
        capacity=capacity,
        kind="table",
        status=status,
        previous_status="cleaning",
        **extra,
    )


async def test_a_party_that_never_comes_is_released_on_time_and_the_table_goes_on(
    api, broker, open_restaurant, clock
) -> None:
    place = await open_restaurant({"T1": (4, "available")})
    rid, t1 = place.id, place.tables["T1"]
    late = await api.joined(rid, party_size=2)
    assert late["status"] == "called"  # a free table fitted and nobody was ahead
    nxt = await api.joined(rid, party_size=2)

    clock.advance(seconds=590)
    assert (await api.party(late))["status"] == "called"
    clock.advance(seconds=20)
    no_show = await broker.wait_for(NO_SHOW, party_id=late["id"])
    assert no_show[0].data["requeued"] is False and no_show[0].data["table_id"] == str(t1)
    assert (await api.party(late))["status"] == "no_show"
    await broker.wait_for(CALLED, party_id=nxt["id"], table_id=t1)

    # Checking in after the deadline is refused and changes nothing.
    answer = await api.client.post(
        f"/v1/parties/{late['id']}/check-in",
        headers={"Authorization": f"Bearer {late['party_token']}"},
    )
    assert answer.status_code == 409
    assert (await api.party(late))["status"] == "no_show"


async def test_requeue_once_sends_a_late_party_back_to_its_place(
    api, broker, open_restaurant, clock
) -> None:
    place = await open_restaurant({"T1": (2, "available")})
    rid = place.id
    patched = await api.client.patch(
        f"/v1/restaurants/{rid}/waitlist/settings",
        headers=api.as_staff(rid),
        json={"requeue_once": True, "checkin_timeout_seconds": 300},
    )
    assert patched.status_code == 200, patched.text
    late = await api.joined(rid, party_size=2)
    assert late["status"] == "called"
    behind = await api.joined(rid, party_size=2)
    clock.advance(seconds=301)
    no_show = await broker.wait_for(NO_SHOW, party_id=late["id"])
    assert no_show[0].data["requeued"] is True
    requeued = await broker.wait_for("waitlist.party.requeued.v1", party_id=late["id"])
    assert requeued[0].data["reason"] == "checkin_timeout"
    back = await api.party(late)
    assert (back["status"], back["position"]) == ("waiting", 1)
    await broker.wait_for(CALLED, party_id=behind["id"])


async def test_heads_up_reaches_the_next_party_before_the_table_frees(
    api, broker, open_restaurant, clock
) -> None:
    place = await open_restaurant({"T1": (4, "occupied")})
    rid, t1 = place.id, place.tables["T1"]
    seated = await api.joined(rid, party_size=4)
    nxt = await api.joined(rid, party_size=4)
    await broker.publish(becomes(rid, t1, "available"))
    await broker.wait_for(CALLED, party_id=seated["id"])
    checked_in = await api.client.post(
        f"/v1/parties/{seated['id']}/check-in",
        headers={"Authorization": f"Bearer {seated['party_token']}"},
    )
    expected_end = checked_in.json()["expected_end_at"]
    await broker.publish(becomes(rid, t1, "occupied", party_id=seated["id"]))

    async def occupied_known() -> bool:
        queue = await api.queue(rid)
        return queue[0]["id"] == nxt["id"] and queue[0]["estimated_wait_minutes"] > 0

    await wait_until(occupied_known, 10)
    assert broker.events("waitlist.party.heads_up.v1", party_id=nxt["id"]) == []
    clock.advance(minutes=60 - 5)  # a party of 4 keeps its table 60 minutes by default
    heads_up = await broker.wait_for("waitlist.party.heads_up.v1", party_id=nxt["id"])
    assert heads_up[0].data["table_id"] == str(t1)
    assert heads_up[0].data["expected_ready_at"][:16] == expected_end[:16]


async def test_two_timer_workers_release_a_late_party_once(
    api, open_restaurant, clock, service_settings
) -> None:
    place = await open_restaurant({"T1": (2, "available")})
    late = await api.joined(place.id, party_size=2)
    engines = [create_async_engine(service_settings.database_url) for _ in range(2)]
    try:
        makers = [
            async_sessionmaker(engine, expire_on_commit=False, info={OUTBOX: orm.outbox})
            for engine in engines
        ]
        after_deadline = clock() + timedelta(seconds=700)
        await asyncio.gather(
            *(
                run_due_timers(lambda maker=maker: WaitlistUnitOfWork(maker), after_deadline)
                for maker in makers
            )
        )
        async with makers[0]() as session:
            no_shows = await session.scalar(
                select(func.count())
                .select_from(orm.outbox)
                .where(
                    orm.outbox.c.type == NO_SHOW,
                    orm.outbox.c.data["party_id"].astext == late["id"],
                )
            )
        assert no_shows == 1
        assert (await api.party(late))["status"] == "no_show"
    finally:
        for engine in engines:
            await engine.dispose()
