"""The unit of work on a real schema: events go out with the commit or not at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from maitred_contracts import EventData, RestaurantCreated, TableCreated
from maitred_messaging.outbox import inbox_table
from maitred_messaging.unit_of_work import FakeUnitOfWork, SqlUnitOfWork


@dataclass(frozen=True)
class Opened:
    """A domain event of a made-up service: plain data, no wire format."""

    restaurant_id: uuid.UUID
    name: str


@dataclass
class Place:
    events: list[Any] = field(default_factory=list)


def translate(event: Any) -> EventData:
    assert isinstance(event, Opened)
    return RestaurantCreated.example().model_copy(
        update={"restaurant_id": event.restaurant_id, "name": event.name}
    )


async def outbox_rows(alpha) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    metadata, sessions = alpha
    outbox = metadata.tables[f"{metadata.schema}.outbox"]
    async with sessions() as session:
        rows = await session.execute(select(outbox).order_by(outbox.c.id))
        return [dict(r._mapping) for r in rows]


async def test_a_commit_writes_the_change_and_its_translated_events_together(alpha) -> None:
    metadata, sessions = alpha
    items = metadata.tables[f"{metadata.schema}.items"]
    rid = uuid.uuid4()
    place = Place()
    async with SqlUnitOfWork(sessions, translate) as uow:
        await uow.session.execute(insert(items).values(id=1, name="one"))
        place.events.append(Opened(rid, "Chez Test"))
        uow.collect(place)
        uow.add(TableCreated.example().model_copy(update={"restaurant_id": rid}))
        await uow.commit()
    assert place.events == []
    rows = await outbox_rows(alpha)
    assert [r["type"] for r in rows] == [RestaurantCreated.event_type, TableCreated.event_type]
    assert rows[0]["data"]["name"] == "Chez Test"
    assert rows[0]["restaurant_id"] == rid
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(items))).scalar() == 1


async def test_leaving_without_a_commit_writes_nothing(alpha) -> None:
    metadata, sessions = alpha
    items = metadata.tables[f"{metadata.schema}.items"]
    with pytest.raises(RuntimeError):
        async with SqlUnitOfWork(sessions, translate) as uow:
            await uow.session.execute(insert(items).values(id=2, name="two"))
            uow.add(Opened(uuid.uuid4(), "Never"))
            raise RuntimeError("the use case failed")
    async with SqlUnitOfWork(sessions, translate) as uow:
        await uow.session.execute(insert(items).values(id=3, name="three"))
        uow.add(Opened(uuid.uuid4(), "Not told"))
        # no commit
    assert await outbox_rows(alpha) == []
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(items))).scalar() == 0


async def test_the_inbox_records_an_event_once_per_consumer(alpha) -> None:
    metadata, sessions = alpha
    inbox = inbox_table(metadata)
    event_id = str(uuid.uuid4())
    answers = []
    for consumer in ("beta", "beta", "gamma"):
        async with SqlUnitOfWork(sessions, inbox=inbox) as uow:
            answers.append(await uow.first_time(event_id, consumer, "x.v1"))
            await uow.commit()
    assert answers == [True, False, True]


async def test_an_event_with_no_translation_is_refused_before_anything_commits(alpha) -> None:
    _, sessions = alpha
    with pytest.raises(TypeError):
        async with SqlUnitOfWork(sessions) as uow:
            uow.add(Opened(uuid.uuid4(), "Untranslatable"))
            await uow.commit()
    assert await outbox_rows(alpha) == []


async def test_the_fake_keeps_what_was_committed_and_drops_what_was_not() -> None:
    uow = FakeUnitOfWork(translate)
    async with uow:
        uow.add(Opened(uuid.uuid4(), "Kept"))
        await uow.commit()
    async with uow:
        uow.add(Opened(uuid.uuid4(), "Dropped"))
    assert uow.published_types() == [RestaurantCreated.event_type]
    assert (uow.commits, uow.rollbacks) == (1, 1)
    assert await uow.first_time("e1", "c", "t") and not await uow.first_time("e1", "c", "t")


async def test_a_use_case_entering_the_unit_a_consumer_entered_shares_its_transaction(
    alpha,
) -> None:
    """The consumer records the inbox, the use case commits: both or neither."""
    metadata, sessions = alpha
    items = metadata.tables[f"{metadata.schema}.items"]
    inbox = inbox_table(metadata)

    async def use_case(uow: SqlUnitOfWork, n: int, fail: bool) -> None:
        async with uow:
            await uow.session.execute(insert(items).values(id=n, name="x"))
            if fail:
                raise RuntimeError("the use case failed")
            await uow.commit()

    ok, bad = uuid.uuid4(), uuid.uuid4()
    async with SqlUnitOfWork(sessions, inbox=inbox) as uow:
        assert await uow.first_time(str(ok), "beta", "x.v1")
        await use_case(uow, 10, fail=False)
        assert uow.finished
    with pytest.raises(RuntimeError):
        async with SqlUnitOfWork(sessions, inbox=inbox) as uow:
            assert await uow.first_time(str(bad), "beta", "x.v1")
            await use_case(uow, 11, fail=True)
    async with sessions() as session:
        ids = (await session.execute(select(items.c.id))).scalars().all()
        recorded = (await session.execute(select(inbox.c.event_id))).scalars().all()
    assert ids == [10]
    assert recorded == [ok]


async def test_the_fake_forgets_an_inbox_record_whose_unit_rolled_back() -> None:
    """As Postgres would: a redelivery after a failed handler is applied again."""
    uow = FakeUnitOfWork(translate)
    with pytest.raises(RuntimeError):
        async with uow:
            assert await uow.first_time("e2", "c", "t")
            raise RuntimeError("the handler failed")
    async with uow:
        assert await uow.first_time("e2", "c", "t")
        await uow.commit()
    async with uow:
        assert not await uow.first_time("e2", "c", "t")
