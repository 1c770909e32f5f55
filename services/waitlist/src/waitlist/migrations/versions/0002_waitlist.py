"""The waitlist: restaurants and settings, the floor projection, parties, turn times.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "restaurants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("min_party_size", sa.Integer(), nullable=False),
        sa.Column("max_party_size", sa.Integer(), nullable=False),
        sa.Column("details_sequence", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema="waitlist",
    )
    op.create_table(
        "tables",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("holder_party_id", sa.UUID(), nullable=True),
        sa.Column("reservation_id", sa.UUID(), nullable=True),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_sequence", sa.BigInteger(), nullable=False),
        sa.Column("details_sequence", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("blocked_sequence", sa.BigInteger(), nullable=True),
        sa.Column("expected_free_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heads_up_sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="waitlist",
    )
    op.create_index(
        "ix_tables_heads_up",
        "tables",
        ["expected_free_at"],
        unique=False,
        schema="waitlist",
        postgresql_where=sa.text("status = 'occupied' AND NOT heads_up_sent AND NOT removed"),
    )
    op.create_index(
        op.f("ix_waitlist_tables_restaurant_id"),
        "tables",
        ["restaurant_id"],
        unique=False,
        schema="waitlist",
    )
    op.create_table(
        "turn_times",
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("m2", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("restaurant_id", "party_size"),
        schema="waitlist",
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("preference", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queue_order", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quoted_wait_minutes", sa.Integer(), nullable=True),
        sa.Column("quoted_low_minutes", sa.Integer(), nullable=True),
        sa.Column("quoted_high_minutes", sa.Integer(), nullable=True),
        sa.Column("table_id", sa.UUID(), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_by", sa.String(length=16), nullable=True),
        sa.Column("actual_wait_minutes", sa.Integer(), nullable=True),
        sa.Column("passed_over", sa.Integer(), nullable=False),
        sa.Column("checkin_timeouts", sa.Integer(), nullable=False),
        sa.Column("missed_table_id", sa.UUID(), nullable=True),
        sa.Column("heads_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'called' OR (table_id IS NOT NULL AND checkin_deadline IS NOT NULL)",
            name="parties_called_has_table",
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'called', 'checked_in', 'completed', 'left', 'no_show')",
            name="parties_status",
        ),
        sa.CheckConstraint("party_size >= 1", name="parties_size"),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["waitlist.restaurants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        schema="waitlist",
    )
    op.create_index(
        "ix_parties_active", "parties", ["restaurant_id", "status"], unique=False, schema="waitlist"
    )
    op.create_index(
        "ix_parties_checkin_deadline",
        "parties",
        ["checkin_deadline"],
        unique=False,
        schema="waitlist",
        postgresql_where=sa.text("status = 'called'"),
    )
    op.create_index(
        "uq_parties_one_party_per_table",
        "parties",
        ["table_id"],
        unique=True,
        schema="waitlist",
        postgresql_where=sa.text("status IN ('called', 'checked_in')"),
    )
    op.create_index(
        "uq_parties_phone_in_queue",
        "parties",
        ["restaurant_id", "phone"],
        unique=True,
        schema="waitlist",
        postgresql_where=sa.text("status IN ('waiting', 'called') AND phone IS NOT NULL"),
    )
    op.create_table(
        "settings",
        sa.Column("restaurant_id", sa.UUID(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("checkin_timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("max_party_size", sa.Integer(), nullable=True),
        sa.Column("heads_up_minutes", sa.Integer(), nullable=False),
        sa.Column("requeue_once", sa.Boolean(), nullable=False),
        sa.Column("max_passed_over", sa.Integer(), nullable=False),
        sa.CheckConstraint("mode IN ('auto', 'manual')", name="settings_mode"),
        sa.CheckConstraint("strategy IN ('fifo', 'best_fit')", name="settings_strategy"),
        sa.CheckConstraint("checkin_timeout_seconds BETWEEN 300 AND 900", name="settings_timeout"),
        sa.CheckConstraint("heads_up_minutes BETWEEN 0 AND 60", name="settings_heads_up"),
        sa.CheckConstraint("max_party_size BETWEEN 1 AND 100", name="settings_party_size"),
        sa.CheckConstraint("max_passed_over BETWEEN 0 AND 20", name="settings_passed_over"),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["waitlist.restaurants.id"],
        ),
        sa.PrimaryKeyConstraint("restaurant_id"),
        schema="waitlist",
    )


def downgrade() -> None:
    op.drop_table("settings", schema="waitlist")
    op.drop_index(
        "uq_parties_phone_in_queue",
        table_name="parties",
        schema="waitlist",
        postgresql_where=sa.text("status IN ('waiting', 'called') AND phone IS NOT NULL"),
    )
    op.drop_index(
        "uq_parties_one_party_per_table",
        table_name="parties",
        schema="waitlist",
        postgresql_where=sa.text("status IN ('called', 'checked_in')"),
    )
    op.drop_index(
        "ix_parties_checkin_deadline",
        table_name="parties",
        schema="waitlist",
        postgresql_where=sa.text("status = 'called'"),
    )
    op.drop_index("ix_parties_active", table_name="parties", schema="waitlist")
    op.drop_table("parties", schema="waitlist")
    op.drop_table("turn_times", schema="waitlist")
    op.drop_index(op.f("ix_waitlist_tables_restaurant_id"), table_name="tables", schema="waitlist")
    op.drop_index(
        "ix_tables_heads_up",
        table_name="tables",
        schema="waitlist",
        postgresql_where=sa.text("status = 'occupied' AND NOT heads_up_sent AND NOT removed"),
    )
    op.drop_table("tables", schema="waitlist")
    op.drop_table("restaurants", schema="waitlist")
