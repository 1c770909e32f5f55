"""Each service's database role reaches its own schema and nothing else."""

from __future__ import annotations

import asyncpg
import pytest

from maitred_platform.db import asyncpg_dsn


async def test_service_role_cannot_read_or_write_another_services_schema(databases):
    waitlist = await asyncpg.connect(asyncpg_dsn(databases["waitlist"].url))
    try:
        await waitlist.execute("CREATE TABLE waitlist.probe (id int)")
        await waitlist.execute("DROP TABLE waitlist.probe")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await waitlist.execute("CREATE TABLE reservations.probe (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await waitlist.execute("CREATE TABLE public.probe (id int)")
    finally:
        await waitlist.close()


async def test_provisioning_twice_changes_nothing(databases, postgres_admin_url):
    from maitred_platform.provision import provision

    name = databases["waitlist"].url.rsplit("/", 1)[-1]
    again = await provision(postgres_admin_url, name)
    assert again["waitlist"].url == databases["waitlist"].url
