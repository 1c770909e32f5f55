"""Pytest fixtures that start the whole system: every service as its own process.

Loaded into every pytest run of the workspace (entry point `pytest11`); the generic fixtures
it builds on (servers, the run's id, databases, vhosts) come from `maitred_messaging.testing`.
Each stack has a database, a vhost and a Redis prefix named after the test run, and the run
removes every Redis key of its prefix when it ends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from maitred_messaging.testing import create_vhost, delete_vhost
from maitred_platform.provision import drop_database, provision
from maitred_platform.stack import SERVICES, Stack


def run_prefix(test_run_id: str) -> str:
    """What every database, vhost and Redis key of one test run is named from."""
    return f"maitred_test_{test_run_id}"


@pytest.fixture(scope="session", autouse=True)
async def redis_left_clean(redis_url: str, test_run_id: str) -> AsyncIterator[None]:
    """After the run, removes the Redis keys it wrote (replay buffers, idempotency records,
    rate-limit counters): every stack's prefix starts with the run's."""
    yield
    client = redis.Redis.from_url(redis_url)
    try:
        batch: list[Any] = []
        async for key in client.scan_iter(match=run_prefix(test_run_id) + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await client.unlink(*batch)
                batch.clear()
        if batch:
            await client.unlink(*batch)
    except (OSError, redis.ConnectionError):  # this run never reached Redis: nothing to clean
        pass
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def running_stack(
    postgres_admin_url: str,
    amqp_server_url: str,
    redis_url: str,
    name: str,
    *,
    scale: int = 1,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Any]:
    """Every service as its own process, on a database, vhost and Redis prefix named `name`."""
    dbs = await provision(postgres_admin_url, name)
    vhost_url = await create_vhost(amqp_server_url, name)
    lines: list[str] = []
    running = Stack(
        database_urls={service: db.url for service, db in dbs.items()},
        amqp_url=vhost_url,
        redis_url=redis_url,
        redis_prefix=name,
        scale=scale,
        extra_env={**stack_test_env(), **(extra_env or {})},
        log_sink=lambda prefix, line: lines.append(f"{prefix} | {line}"),
    )
    running.logs = lines
    try:
        await running.migrate()
        await running.start()
        yield running
    except BaseException:
        print("\n".join(lines[-300:]))
        raise
    finally:
        await running.stop()
        if not os.environ.get("MAITRED_KEEP_TEST_DB"):
            with contextlib.suppress(Exception):
                await drop_database(postgres_admin_url, name)
            with contextlib.suppress(Exception):
                await delete_vhost(name)


@pytest.fixture(scope="session")
async def stack(
    postgres_admin_url: str, amqp_server_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[Any]:
    """The whole stack as processes, on a database and vhost of its own.

    Kept apart from `databases`/`amqp_url`, so in-process service tests never compete with
    the stack's processes for the same queues. `stack.amqp_url` is the stack's vhost.
    """
    name = f"{run_prefix(test_run_id)}_stack"
    async with running_stack(postgres_admin_url, amqp_server_url, redis_url, name) as running:
        yield running


def stack_test_env() -> dict[str, str]:
    """Fast timers for tests; each service reads only the variables with its own prefix."""
    pools = {
        f"{service.upper()}_{name}": size
        for service in SERVICES
        for name, size in (("DB_POOL_SIZE", "3"), ("DB_MAX_OVERFLOW", "7"))
    }
    return {
        # Several stacks may share one Postgres during a test run: small pools.
        **pools,
        # Every test client comes from 127.0.0.1; the limits have tests of their own.
        "GATEWAY_RATE_LIMITS_ENABLED": "false",
        "WAITLIST_TIMER_INTERVAL_SECONDS": "0.2",
        "NOTIFIER_WORKER_INTERVAL_SECONDS": "0.2",
        "NOTIFIER_WEBHOOK_ALLOW_PRIVATE": "true",
    }
