"""The reservations schema: every table this service owns (the migrations create them)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, UUID, ExcludeConstraint

from maitred_messaging import inbox_table, outbox_table
from maitred_platform.request_keys import request_keys_table

metadata = MetaData(schema="reservations")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
request_keys = request_keys_table(metadata)

restaurants = Table(
    "restaurants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("opening_hours", JSONB, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("min_party_size", Integer, nullable=False),
    Column("max_party_size", Integer, nullable=False),
    Column("clean_after_party", Boolean, nullable=False),
    Column("created_by", UUID(as_uuid=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("min_party_size >= 1 AND max_party_size >= min_party_size", "party_sizes"),
)

tables = Table(
    "tables",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), ForeignKey("restaurants.id"), nullable=False),
    Column("label", String(50), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("section", String(100), nullable=True),
    Column("x", Float, nullable=True),
    Column("y", Float, nullable=True),
    Column("status", String(20), nullable=False),
    Column("party_id", UUID(as_uuid=True), nullable=True),
    Column("reservation_id", UUID(as_uuid=True), nullable=True),
    Column("status_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("capacity >= 1", "capacity_positive"),
    CheckConstraint("kind IN ('table', 'counter')", "kind_known"),
    CheckConstraint(
        "status IN ('available', 'held', 'occupied', 'cleaning', 'out_of_service')", "status_known"
    ),
    # Removed tables keep their rows (past bookings point at them) but free their label.
    Index(
        "uq_tables_label",
        "restaurant_id",
        text("lower(label)"),
        unique=True,
        postgresql_where=text("removed_at IS NULL"),
    ),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), ForeignKey("restaurants.id"), nullable=False),
    Column("table_id", UUID(as_uuid=True), ForeignKey("tables.id"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("during", TSTZRANGE, Computed("tstzrange(starts_at, ends_at, '[)')"), nullable=False),
    Column("party_size", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ends_at > starts_at", "ends_after_start"),
    CheckConstraint("party_size >= 1", "party_size_positive"),
    CheckConstraint(
        "status IN ('booked', 'seated', 'completed', 'no_show', 'cancelled')", "status_known"
    ),
    # Two live bookings of one table can never overlap, whatever the requests race.
    ExcludeConstraint(
        ("table_id", "="),
        ("during", "&&"),
        name="no_overlapping_bookings",
        using="gist",
        where=text("status <> 'cancelled'"),
    ),
    Index("ix_reservations_day", "restaurant_id", "starts_at"),
    Index("ix_reservations_phone", "restaurant_id", "phone", "starts_at"),
)

# A booking may have several valid manage tokens: the one given at booking and one per
# "find my bookings" request (tokens are stored hashed, so a lookup cannot resend the first).
manage_tokens = Table(
    "manage_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("reservation_id", UUID(as_uuid=True), ForeignKey("reservations.id"), nullable=False),
    Column("issued_for", String(20), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_manage_tokens_reservation", "reservation_id"),
)

# When a waitlist party's call ended (left, no-show, requeued, completed): a call event
# redelivered after that must not hold a table for a party that is gone.
party_releases = Table(
    "party_releases",
    metadata,
    Column("party_id", UUID(as_uuid=True), primary_key=True),
    Column("released_at", DateTime(timezone=True), nullable=False),
)
