"""Idempotency-Key kept by the service, committed in the same transaction as what it created.

The gateway replays the first answer to a keyed POST from Redis. That answer can be lost
while the creation itself was committed: the database went away during the commit and the
caller was told 503, or Redis lost the record. The retry then reaches the service again.
So the service keeps the key with the id of what it created (and the credential it handed
out, sealed), in the creating transaction: a retry finds it and answers the same booking or
party with the same token instead of creating a second one.

A concurrent request with the same key waits on the key's row until the first transaction
ends, then either replays it (committed) or goes ahead (rolled back). Keys are kept for a
day; an older key is free to be used again.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, func, select, text, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.credentials import seal, unseal
from maitred_platform.problems import Problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TABLE = "request_keys"
KEEP = "1 day"
MAX_KEY_LENGTH = 255


def request_keys_table(metadata: MetaData) -> Table:
    if f"{metadata.schema}.{TABLE}" in metadata.tables:
        return metadata.tables[f"{metadata.schema}.{TABLE}"]
    return Table(
        TABLE,
        metadata,
        # sha256 of what the key is for (operation, restaurant) and the caller's key
        Column("key", String(64), primary_key=True),
        Column("fingerprint", String(64), nullable=False),  # sha256 of the request body
        Column("resource_id", UUID(as_uuid=True), nullable=True),
        Column("sealed_secret", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def create_request_keys_table(op: Any, schema: str) -> None:
    """DDL for a service's migration."""
    request_keys_table(MetaData(schema=schema)).create(op.get_bind())


@dataclass(frozen=True)
class RequestKey:
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Remembered:
    """What the first request with this key created."""

    resource_id: uuid.UUID
    secret: str | None


def from_request(
    request: Request, operation: str, scope: uuid.UUID, body: bytes
) -> RequestKey | None:
    """The request's key for this operation on this restaurant, or None without the header."""
    given = request.headers.get(HEADER)
    if not given:
        return None
    if len(given) > MAX_KEY_LENGTH:
        raise Problem(
            422,
            f"The {HEADER} is too long ({MAX_KEY_LENGTH} characters at most).",
            errors=[{"field": HEADER, "message": "too long"}],
        )
    key = hashlib.sha256("\x1f".join((operation, str(scope), given)).encode()).hexdigest()
    return RequestKey(key, hashlib.sha256(body).hexdigest())


class RequestKeys:
    """The request_keys table of one service's schema, and the key it owns in a transaction."""

    def __init__(self, table: Table, sealing_key: str) -> None:
        self.table = table
        self.sealing_key = sealing_key

    async def claim(self, session: AsyncSession, key: RequestKey) -> Remembered | None:
        """Takes the key in the caller's transaction; or returns what its first use created.

        None means: go ahead, and call `remember` before the transaction commits.
        """
        t = self.table
        claimed = await session.execute(
            insert(t)
            .values(key=key.key, fingerprint=key.fingerprint)
            .on_conflict_do_update(
                index_elements=[t.c.key],
                set_={
                    "fingerprint": key.fingerprint,
                    "resource_id": None,
                    "sealed_secret": None,
                    "created_at": func.now(),
                },
                where=t.c.created_at < func.now() - text(f"interval '{KEEP}'"),
            )
            .returning(t.c.key)
        )
        if claimed.first() is not None:
            return None
        row = (
            await session.execute(
                select(t.c.fingerprint, t.c.resource_id, t.c.sealed_secret).where(
                    t.c.key == key.key
                )
            )
        ).one()
        if row.fingerprint != key.fingerprint:
            raise Problem(
                422,
                f"This {HEADER} was already used with a different body.",
                errors=[{"field": HEADER, "message": "already used with a different body"}],
            )
        if row.resource_id is None:  # cannot commit without it; kept as a guard
            raise Problem(409, f"A request with this {HEADER} is still in progress.")
        secret = unseal(row.sealed_secret, self.sealing_key) if row.sealed_secret else None
        return Remembered(row.resource_id, secret)

    async def remember(
        self,
        session: AsyncSession,
        key: RequestKey,
        resource_id: uuid.UUID,
        secret: str | None = None,
    ) -> None:
        """Records what this request created, in the transaction that created it."""
        await session.execute(
            update(self.table)
            .where(self.table.c.key == key.key)
            .values(
                resource_id=resource_id,
                sealed_secret=seal(secret, self.sealing_key) if secret else None,
            )
        )
