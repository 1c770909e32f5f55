"""Creates the database, one role per service and the schema each role owns.

A service's role may use only its own schema: it owns it, and nothing else is granted.
Run with an administrator's URL; it is idempotent.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SERVICES = ("reservations", "waitlist", "notifier", "gateway")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class ServiceDatabase:
    service: str
    role: str
    password: str
    url: str  # the service's SQLAlchemy URL


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a safe identifier: {name!r}")
    return name


def with_database(
    url: str, database: str, user: str | None = None, password: str | None = None
) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = f":{parts.port}" if parts.port else ""
    if user is None:
        netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
        creds = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        netloc = creds + netloc
    else:
        netloc = f"{user}:{password}@{host}{port}" if password else f"{user}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, "/" + database, parts.query, ""))


def service_database(
    admin_url: str, database: str, service: str, password: str | None = None
) -> ServiceDatabase:
    role = f"maitred_{service}"
    secret = password or f"{service}-dev-password"
    url = with_database(admin_url, database, role, secret).replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    return ServiceDatabase(service=service, role=role, password=secret, url=url)


async def provision(
    admin_url: str,
    database: str,
    services: tuple[str, ...] = SERVICES,
    passwords: dict[str, str] | None = None,
) -> dict[str, ServiceDatabase]:
    """admin_url: a libpq URL of a superuser, e.g. postgresql://postgres@127.0.0.1:5432/postgres."""
    passwords = passwords or {}
    admin = await asyncpg.connect(with_database(admin_url, "postgres"), timeout=5)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{_ident(database)}"')
        result = {}
        for service in services:
            sdb = service_database(admin_url, database, service, passwords.get(service))
            role = _ident(sdb.role)
            has_role = await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            verb = "ALTER" if has_role else "CREATE"
            # asyncpg cannot bind parameters in utility statements; the password is quoted.
            quoted = sdb.password.replace("'", "''")
            await admin.execute(f"{verb} ROLE {role} LOGIN PASSWORD '{quoted}'")
            result[service] = sdb
    finally:
        await admin.close()

    conn = await asyncpg.connect(with_database(admin_url, database), timeout=5)
    try:
        await conn.execute(f'REVOKE ALL ON DATABASE "{_ident(database)}" FROM PUBLIC')
        await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        # Extensions live in their own schema that every service may use but none may change.
        await conn.execute("CREATE SCHEMA IF NOT EXISTS extensions")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions")
        for service, sdb in result.items():
            await conn.execute(f'GRANT CONNECT ON DATABASE "{_ident(database)}" TO {sdb.role}')
            await conn.execute(
                f"CREATE SCHEMA IF NOT EXISTS {_ident(service)} AUTHORIZATION {sdb.role}"
            )
            await conn.execute(f"GRANT USAGE ON SCHEMA extensions TO {sdb.role}")
            await conn.execute(
                f"ALTER ROLE {sdb.role} SET search_path = {_ident(service)}, extensions"
            )
    finally:
        await conn.close()
    return result


async def drop_database(admin_url: str, database: str) -> None:
    admin = await asyncpg.connect(with_database(admin_url, "postgres"), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{_ident(database)}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":  # pragma: no cover - a convenience for operators
    import sys

    asyncio.run(provision(sys.argv[1], sys.argv[2]))
