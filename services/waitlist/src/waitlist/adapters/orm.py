"""The waitlist schema: every table this service owns."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from maitred_messaging import inbox_table, outbox_table
from maitred_platform.request_keys import request_keys_table

metadata = MetaData(schema="waitlist")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
request_keys = request_keys_table(metadata)

restaurants = Table(
    "restaurants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("known", Boolean, nullable=False),
    Column("name", Text),
    Column("timezone", String(64), nullable=False),
    Column("min_party_size", Integer, nullable=False),
    Column("max_party_size", Integer, nullable=False),
    Column("details_sequence", BigInteger, nullable=False),
    Column("snapshot_digest", String(64)),
)

settings = Table(
    "settings",
    metadata,
    Column("restaurant_id", UUID(as_uuid=True), ForeignKey(restaurants.c.id), primary_key=True),
    Column("open", Boolean, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("strategy", String(16), nullable=False),
    Column("checkin_timeout_seconds", Integer, nullable=False),
    Column("max_party_size", Integer),
    Column("heads_up_minutes", Integer, nullable=False),
    Column("requeue_once", Boolean, nullable=False),
    Column("max_passed_over", Integer, nullable=False),
    CheckConstraint("mode IN ('auto', 'manual')", name="settings_mode"),
    CheckConstraint("strategy IN ('fifo', 'best_fit')", name="settings_strategy"),
    CheckConstraint("checkin_timeout_seconds BETWEEN 300 AND 900", name="settings_timeout"),
    CheckConstraint("max_party_size BETWEEN 1 AND 100", name="settings_party_size"),
    CheckConstraint("heads_up_minutes BETWEEN 0 AND 60", name="settings_heads_up"),
    CheckConstraint("max_passed_over BETWEEN 0 AND 20", name="settings_passed_over"),
)

tables = Table(
    "tables",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("capacity", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("label", Text),
    Column("section", Text),
    Column("holder_party_id", UUID(as_uuid=True)),
    Column("reservation_id", UUID(as_uuid=True)),
    Column("status_since", DateTime(timezone=True)),
    Column("status_sequence", BigInteger, nullable=False),
    Column("details_sequence", BigInteger, nullable=False),
    Column("removed", Boolean, nullable=False),
    Column("blocked_sequence", BigInteger),
    Column("expected_free_at", DateTime(timezone=True)),
    Column("heads_up_sent", Boolean, nullable=False),
    Index(
        "ix_tables_heads_up",
        "expected_free_at",
        postgresql_where=text("status = 'occupied' AND NOT heads_up_sent AND NOT removed"),
    ),
)

parties = Table(
    "parties",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), ForeignKey(restaurants.c.id), nullable=False),
    Column("name", Text, nullable=False),
    Column("party_size", Integer, nullable=False),
    Column("preference", String(16), nullable=False),
    Column("phone", String(20)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("queue_order", BigInteger, nullable=False),
    Column("joined_at", DateTime(timezone=True), nullable=False),
    Column("quoted_wait_minutes", Integer),
    Column("quoted_low_minutes", Integer),
    Column("quoted_high_minutes", Integer),
    Column("table_id", UUID(as_uuid=True)),
    Column("called_at", DateTime(timezone=True)),
    Column("checkin_deadline", DateTime(timezone=True)),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("seated_at", DateTime(timezone=True)),
    Column("expected_end_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("left_by", String(16)),
    Column("actual_wait_minutes", Integer),
    Column("passed_over", Integer, nullable=False),
    Column("checkin_timeouts", Integer, nullable=False),
    Column("missed_table_id", UUID(as_uuid=True)),
    Column("heads_up_at", DateTime(timezone=True)),
    CheckConstraint("party_size >= 1", name="parties_size"),
    CheckConstraint(
        "status IN ('waiting', 'called', 'checked_in', 'completed', 'left', 'no_show')",
        name="parties_status",
    ),
    CheckConstraint(
        "status <> 'called' OR (table_id IS NOT NULL AND checkin_deadline IS NOT NULL)",
        name="parties_called_has_table",
    ),
    Index("ix_parties_active", "restaurant_id", "status"),
    # A table is offered to at most one party at a time, and never while one of ours sits there.
    Index(
        "uq_parties_one_party_per_table",
        "table_id",
        unique=True,
        postgresql_where=text("status IN ('called', 'checked_in')"),
    ),
    # The same phone cannot wait twice in one restaurant at once.
    Index(
        "uq_parties_phone_in_queue",
        "restaurant_id",
        "phone",
        unique=True,
        postgresql_where=text("status IN ('waiting', 'called') AND phone IS NOT NULL"),
    ),
    Index(
        "ix_parties_checkin_deadline",
        "checkin_deadline",
        postgresql_where=text("status = 'called'"),
    ),
)

turn_times = Table(
    "turn_times",
    metadata,
    Column("restaurant_id", UUID(as_uuid=True), primary_key=True),
    Column("party_size", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("mean", Float, nullable=False),
    Column("m2", Float, nullable=False),
)
