"""The gateway schema: outbox, inbox, staff accounts and their memberships.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maitred_messaging.migration import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables(op, "gateway")
    op.create_table(
        "staff",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema="gateway",
    )
    op.create_table(
        "memberships",
        sa.Column(
            "staff_id",
            sa.Uuid,
            sa.ForeignKey("gateway.staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("restaurant_id", sa.Uuid, primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("role IN ('owner', 'host')", name="memberships_role"),
        schema="gateway",
    )
    op.create_index("memberships_by_restaurant", "memberships", ["restaurant_id"], schema="gateway")


def downgrade() -> None:
    op.drop_table("memberships", schema="gateway")
    op.drop_table("staff", schema="gateway")
    drop_messaging_tables(op, "gateway")
