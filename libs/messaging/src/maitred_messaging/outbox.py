"""The outbox and inbox tables, mapped into a service's own schema, and the outbox writer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import EventData

OUTBOX = "outbox"
INBOX = "inbox"


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published, written in the same transaction as the change."""
    if f"{metadata.schema}.{OUTBOX}" in metadata.tables:
        return metadata.tables[f"{metadata.schema}.{OUTBOX}"]
    return Table(
        OUTBOX,
        metadata,
        # The id orders publishing and is the CloudEvents `sequence`: changes to one aggregate
        # are serialized by its row lock, so its events get increasing ids in commit order.
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("type", String(200), nullable=False),
        Column("source", String(200), nullable=False),
        Column("subject", String(200), nullable=True),
        Column("restaurant_id", UUID(as_uuid=True), nullable=True),
        Column("data", JSONB, nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        Index(f"ix_{OUTBOX}_pending", "id", postgresql_where=text("published_at IS NULL")),
    )


def inbox_table(metadata: MetaData) -> Table:
    """Events a consumer has applied; the key makes a redelivery a no-op."""
    if f"{metadata.schema}.{INBOX}" in metadata.tables:
        return metadata.tables[f"{metadata.schema}.{INBOX}"]
    return Table(
        INBOX,
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("consumer", String(100), primary_key=True),
        Column("type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def notify_channel(schema: str) -> str:
    return f"{schema}_outbox"


def outbox_row(
    event: EventData, occurred_at: datetime, event_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """The one way an event becomes an outbox row; `data` is JSON text, serialized once."""
    return {
        "event_id": event_id or uuid.uuid4(),
        "type": event.event_type,
        "source": event.source(),
        "subject": event.subject(),
        "restaurant_id": event.restaurant_id,
        "data": event.model_dump_json(),
        "occurred_at": occurred_at,
    }


@lru_cache(maxsize=64)
def _insert_rows(table: Table) -> Insert:
    columns = ("event_id", "type", "source", "subject", "restaurant_id", "occurred_at")
    values: dict[str, Any] = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    values["data"] = cast(bindparam("data", type_=Text), JSONB)
    return insert(table).values(values)


async def write_events(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Writes outbox rows in the session's transaction, in one round trip."""
    if rows:
        await session.execute(_insert_rows(table), rows)


def session_outbox(session: AsyncSession) -> Table:
    table = session.info.get(OUTBOX)
    if not isinstance(table, Table):
        raise RuntimeError("this session has no outbox: build it with info={OUTBOX: table}")
    return table


async def add_event(
    session: AsyncSession,
    event: EventData,
    *,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID:
    """Adds an event to the caller's transaction; it is published only if that commits.

    For code that holds a bare session (migrations, tests); use cases go through a unit of
    work, which writes its events with the same row builder.
    """
    row = outbox_row(event, occurred_at or datetime.now(UTC), event_id)
    await write_events(session, session_outbox(session), [row])
    eid: uuid.UUID = row["event_id"]
    return eid
