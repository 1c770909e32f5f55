"""Restaurants, tables (the floor), bookings that never overlap, manage tokens.

The exclusion constraint needs the btree_gist extension (GiST equality on uuid). The
service's role owns only its schema and cannot create extensions: provisioning installs
btree_gist, as a superuser, in the shared `extensions` schema (on the role's search_path).
Should it be missing, this migration creates it when the role is allowed to, and otherwise
stops with advice for the operator.

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

EXTENSION_ADVICE = (
    "The btree_gist extension is missing and this role may not create it. As a superuser, "
    "in this database, run: CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions; (and GRANT "
    "USAGE ON SCHEMA extensions to this role, with extensions on its search_path)."
)

TABLES = [
    """
    CREATE TABLE reservations.restaurants (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        phone varchar(20) NOT NULL,
        timezone varchar(64) NOT NULL,
        opening_hours jsonb NOT NULL,
        slot_minutes integer NOT NULL,
        min_party_size integer NOT NULL,
        max_party_size integer NOT NULL,
        clean_after_party boolean NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT party_sizes CHECK (min_party_size >= 1 AND max_party_size >= min_party_size)
    )
    """,
    """
    CREATE TABLE reservations.tables (
        id uuid PRIMARY KEY,
        restaurant_id uuid NOT NULL REFERENCES reservations.restaurants (id),
        label varchar(50) NOT NULL,
        capacity integer NOT NULL,
        kind varchar(20) NOT NULL,
        section varchar(100),
        x double precision,
        y double precision,
        status varchar(20) NOT NULL,
        party_id uuid,
        reservation_id uuid,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        CONSTRAINT capacity_positive CHECK (capacity >= 1),
        CONSTRAINT kind_known CHECK (kind IN ('table', 'counter')),
        CONSTRAINT status_known
            CHECK (status IN ('available', 'held', 'occupied', 'cleaning', 'out_of_service'))
    )
    """,
    """
    CREATE UNIQUE INDEX uq_tables_label ON reservations.tables (restaurant_id, lower(label))
        WHERE removed_at IS NULL
    """,
    """
    CREATE TABLE reservations.reservations (
        id uuid PRIMARY KEY,
        restaurant_id uuid NOT NULL REFERENCES reservations.restaurants (id),
        table_id uuid NOT NULL REFERENCES reservations.tables (id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        during tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED NOT NULL,
        party_size integer NOT NULL,
        name varchar(200) NOT NULL,
        phone varchar(20) NOT NULL,
        status varchar(20) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT party_size_positive CHECK (party_size >= 1),
        CONSTRAINT status_known
            CHECK (status IN ('booked', 'seated', 'completed', 'no_show', 'cancelled')),
        CONSTRAINT no_overlapping_bookings
            EXCLUDE USING gist (table_id WITH =, during WITH &&) WHERE (status <> 'cancelled')
    )
    """,
    "CREATE INDEX ix_reservations_day ON reservations.reservations (restaurant_id, starts_at)",
    """
    CREATE INDEX ix_reservations_phone
        ON reservations.reservations (restaurant_id, phone, starts_at)
    """,
    """
    CREATE TABLE reservations.manage_tokens (
        token_hash varchar(64) PRIMARY KEY,
        reservation_id uuid NOT NULL REFERENCES reservations.reservations (id),
        issued_for varchar(20) NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX ix_manage_tokens_reservation ON reservations.manage_tokens (reservation_id)",
    """
    CREATE TABLE reservations.party_releases (
        party_id uuid PRIMARY KEY,
        released_at timestamptz NOT NULL
    )
    """,
]


def _ensure_btree_gist() -> None:
    bind = op.get_bind()
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
    ).scalar()
    if installed:
        return
    allowed = bind.execute(
        sa.text(
            "SELECT rolsuper OR has_database_privilege(current_database(), 'CREATE') "
            "FROM pg_roles WHERE rolname = current_user"
        )
    ).scalar()
    if not allowed:
        raise RuntimeError(EXTENSION_ADVICE)
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA reservations")


def upgrade() -> None:
    _ensure_btree_gist()
    for statement in TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in ("party_releases", "manage_tokens", "reservations", "tables", "restaurants"):
        op.execute(f"DROP TABLE IF EXISTS reservations.{table}")
