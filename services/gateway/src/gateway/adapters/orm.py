"""The gateway schema: every table this service owns."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    String,
    Table,
    Uuid,
    func,
)

from maitred_messaging import inbox_table, outbox_table

metadata = MetaData(schema="gateway")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

staff = Table(
    "staff",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

memberships = Table(
    "memberships",
    metadata,
    Column("staff_id", Uuid, ForeignKey("gateway.staff.id", ondelete="CASCADE"), primary_key=True),
    Column("restaurant_id", Uuid, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('owner', 'host')", name="memberships_role"),
)
