"""DDL for the messaging tables, called from each service's first Alembic migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData

from maitred_messaging.outbox import inbox_table, notify_channel, outbox_table


def create_messaging_tables(op: Any, schema: str) -> None:
    """Creates the outbox (with its NOTIFY trigger and pending index) and the inbox."""
    metadata = MetaData(schema=schema)
    bind = op.get_bind()
    outbox_table(metadata).create(bind)
    inbox_table(metadata).create(bind)
    for statement in notify_trigger_ddl(schema):
        op.execute(statement)


def notify_trigger_ddl(schema: str) -> list[str]:
    """A statement-level trigger that wakes the relay when events are added."""
    channel = notify_channel(schema)
    return [
        f"""
        CREATE OR REPLACE FUNCTION {schema}.notify_outbox() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{channel}', '');
            RETURN NULL;
        END $$;
        """,
        f"""
        CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_outbox();
        """,
    ]


def drop_messaging_tables(op: Any, schema: str) -> None:
    op.execute(f"DROP TABLE IF EXISTS {schema}.outbox CASCADE")
    op.execute(f"DROP TABLE IF EXISTS {schema}.inbox CASCADE")
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.notify_outbox()")
