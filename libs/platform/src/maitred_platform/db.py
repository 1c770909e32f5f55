"""Engines and sessions, built in a service's lifespan (never at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"timeout": 5, "command_timeout": 30},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends, rolls back on any error."""
    async with sessions() as session, session.begin():
        yield session


def database_check(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    async def check() -> dict[str, object]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"pool": engine.pool.status()}

    return check


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The same database URL in the form asyncpg and libpq take."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
