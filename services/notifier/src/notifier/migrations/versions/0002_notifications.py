"""The notifier's own tables: contacts, notifications, deliveries, reminders, webhooks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_sequence", sa.BigInteger(), server_default=sa.text("-1"), nullable=False),
        sa.Column("finished", sa.String(length=20), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("kind", "subject_id"),
        schema="notifier",
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("party_id", sa.UUID(), nullable=True),
        sa.Column("reservation_id", sa.UUID(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "event_id", "kind", "recipient", name="uq_notifications_event_rule_recipient"
        ),
        schema="notifier",
    )
    op.create_index(
        "ix_notifications_restaurant_created",
        "notifications",
        ["restaurant_id", "created_at"],
        unique=False,
        schema="notifier",
    )
    op.create_table(
        "opt_outs",
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("restaurant_id", "phone"),
        schema="notifier",
    )
    op.create_table(
        "restaurants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("config_sequence", sa.BigInteger(), server_default=sa.text("-1"), nullable=False),
        sa.Column("reminder_minutes", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "channels",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "templates",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="notifier",
    )
    op.create_table(
        "scheduled_messages",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("reservation_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reservation_id", "kind", name="uq_scheduled_reservation_kind"),
        schema="notifier",
    )
    op.create_index(
        "ix_scheduled_due",
        "scheduled_messages",
        ["due_at"],
        unique=False,
        schema="notifier",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "tables",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="notifier",
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=200)), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="notifier",
    )
    op.create_index(
        op.f("ix_notifier_webhooks_restaurant_id"),
        "webhooks",
        ["restaurant_id"],
        unique=False,
        schema="notifier",
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("notification_id", sa.UUID(), nullable=True),
        sa.Column("webhook_id", sa.UUID(), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"], ["notifier.notifications.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["webhook_id"], ["notifier.webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_deliveries_webhook_event"),
        schema="notifier",
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        schema="notifier",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "ix_deliveries_notification",
        "deliveries",
        ["notification_id"],
        unique=False,
        schema="notifier",
    )
    op.create_index(
        "ix_deliveries_sms_destination",
        "deliveries",
        ["destination"],
        unique=False,
        schema="notifier",
        postgresql_where=sa.text("channel = 'sms'"),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["notifier.deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="notifier",
    )
    op.create_index(
        op.f("ix_notifier_delivery_attempts_delivery_id"),
        "delivery_attempts",
        ["delivery_id"],
        unique=False,
        schema="notifier",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_notifier_delivery_attempts_delivery_id"),
        table_name="delivery_attempts",
        schema="notifier",
    )
    op.drop_table("delivery_attempts", schema="notifier")
    op.drop_index(
        "ix_deliveries_sms_destination",
        table_name="deliveries",
        schema="notifier",
        postgresql_where=sa.text("channel = 'sms'"),
    )
    op.drop_index("ix_deliveries_notification", table_name="deliveries", schema="notifier")
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        schema="notifier",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.drop_table("deliveries", schema="notifier")
    op.drop_index(
        op.f("ix_notifier_webhooks_restaurant_id"), table_name="webhooks", schema="notifier"
    )
    op.drop_table("webhooks", schema="notifier")
    op.drop_table("tables", schema="notifier")
    op.drop_index(
        "ix_scheduled_due",
        table_name="scheduled_messages",
        schema="notifier",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("scheduled_messages", schema="notifier")
    op.drop_table("restaurants", schema="notifier")
    op.drop_table("opt_outs", schema="notifier")
    op.drop_index(
        "ix_notifications_restaurant_created", table_name="notifications", schema="notifier"
    )
    op.drop_table("notifications", schema="notifier")
    op.drop_table("contacts", schema="notifier")
