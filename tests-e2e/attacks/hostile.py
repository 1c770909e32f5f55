"""The stack the attack and fuzz tests aim at: one for both packages, started once.

Rate limits are off (one test address sends hundreds of calls; limits have their own
tests). `stack.secrets` collects every phone, token and password the tests used, so the last
test of each package can look for them in every service's log lines.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from support import Api

from maitred_testing import running_stack

_shared: dict[str, Any] = {}


async def hostile_stack(
    postgres_admin_url: str, amqp_server_url: str, redis_url: str, test_run_id: str
) -> AsyncIterator[Any]:
    """Body of a session fixture: the first package to ask starts the stack, others share."""
    if "stack" in _shared:
        yield _shared["stack"]
        return
    name = f"maitred_test_{test_run_id}_hostile"
    env = {"GATEWAY_RATE_LIMITS_ENABLED": "false"}
    async with running_stack(
        postgres_admin_url, amqp_server_url, redis_url, name, extra_env=env
    ) as stack:
        stack.secrets = set()
        _shared["stack"] = stack
        try:
            yield stack
        finally:
            _shared.pop("stack", None)
        # Every test is done: none of the phones and tokens they used may be in a log line.
        assert leaks(stack.logs, stack.secrets) == {}


PASSWORD = "correct horse battery staple"


async def owner_with_restaurant(
    client: httpx.AsyncClient, secrets: set[str], tables: int = 3
) -> dict[str, Any]:
    """A staff account owning a restaurant with tables; ids and headers."""
    api = Api(client)
    email, owner = await api.staff(f"owner-{uuid.uuid4().hex[:6]}")
    secrets.add(owner["Authorization"].split()[1])
    rid = await api.restaurant(
        owner, [{"label": f"T{n}", "capacity": 4, "kind": "table"} for n in range(tables)]
    )
    for _ in range(100):
        if (await client.get(f"/v1/restaurants/{rid}/waitlist")).status_code == 200:
            break
        import asyncio

        await asyncio.sleep(0.1)
    r = await client.get(f"/v1/restaurants/{rid}/tables", headers=owner)
    assert r.status_code == 200, r.text
    return {"rid": rid, "owner": owner, "email": email, "tables": r.json()["items"]}


_PHONE_DIGITS = re.compile(r"\D")


def leaks(lines: list[str], secrets: set[str]) -> dict[str, list[str]]:
    """Secrets found in log lines: each phone (also its digits alone) and each token."""
    found: dict[str, list[str]] = {}
    needles: dict[str, str] = {}
    for secret in secrets:
        needles[secret] = secret
        if secret.startswith("+"):  # a phone: also written without the plus
            needles[_PHONE_DIGITS.sub("", secret)] = secret
    for line in lines:
        for needle, secret in needles.items():
            if needle in line:
                found.setdefault(secret, []).append(line[:300])
    return found
