"""Idempotency-Keys of joins, kept with the party they made.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

from maitred_platform.request_keys import create_request_keys_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_request_keys_table(op, "waitlist")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS waitlist.request_keys")
