"""The notifier schema: every table this service owns."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from maitred_messaging import inbox_table, outbox_table

metadata = MetaData(schema="notifier")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

# What the notifier knows of each restaurant (from reservations events) and its own settings.
restaurants = Table(
    "restaurants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("config_sequence", BigInteger, nullable=False, server_default=text("-1")),
    Column("reminder_minutes", Integer, nullable=True),
    Column("email", String(320), nullable=True),
    Column("channels", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("templates", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Table labels, so "your table is ready" can name the table.
tables = Table(
    "tables",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False),
    Column("label", String(100), nullable=False),
)

# Who to reach for a party or a booking; the waitlist and reservations events are the only source.
contacts = Table(
    "contacts",
    metadata,
    Column("kind", String(20), primary_key=True),  # party | reservation
    Column("subject_id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("last_sequence", BigInteger, nullable=False, server_default=text("-1")),
    Column("finished", String(20), nullable=True),  # why the party no longer waits, if it does not
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

opt_outs = Table(
    "opt_outs",
    metadata,
    Column("restaurant_id", UUID(as_uuid=True), primary_key=True),
    Column("phone", String(20), primary_key=True),
    Column("source", String(20), nullable=False),  # sms_stop | staff
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("party_id", UUID(as_uuid=True), nullable=True),
    Column("reservation_id", UUID(as_uuid=True), nullable=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("template_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A redelivered event, or a second worker, can never make the same message twice.
    UniqueConstraint("event_id", "kind", "recipient", name="uq_notifications_event_rule_recipient"),
    Index("ix_notifications_restaurant_created", "restaurant_id", "created_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("event_types", ARRAY(String(200)), nullable=False),
    Column("secret_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per channel of a notification, or per webhook of an event; the worker sends them.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False),
    Column(
        "notification_id",
        UUID(as_uuid=True),
        ForeignKey("notifier.notifications.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column(
        "webhook_id",
        UUID(as_uuid=True),
        ForeignKey("notifier.webhooks.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("event_id", String(200), nullable=True),
    Column("channel", String(20), nullable=False),  # realtime | sms | email | webhook
    Column("destination", Text, nullable=True),
    Column("payload", Text, nullable=True),
    Column("status", String(20), nullable=False),  # pending | sending | delivered | failed
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("webhook_id", "event_id", name="uq_deliveries_webhook_event"),
    Index(
        "ix_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'sending')"),
    ),
    Index("ix_deliveries_notification", "notification_id"),
    Index("ix_deliveries_sms_destination", "destination", postgresql_where=text("channel = 'sms'")),
)

# Every attempt of a delivery, with its outcome: what staff and ops look at when one fails.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        UUID(as_uuid=True),
        ForeignKey("notifier.deliveries.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("attempt", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),  # delivered | retrying | failed | skipped
    Column("error", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

scheduled_messages = Table(
    "scheduled_messages",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("restaurant_id", UUID(as_uuid=True), nullable=False),
    Column("reservation_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=True),
    Column("status", String(20), nullable=False),  # pending | sent | cancelled
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("reservation_id", "kind", name="uq_scheduled_reservation_kind"),
    Index("ix_scheduled_due", "due_at", postgresql_where=text("status = 'pending'")),
)
