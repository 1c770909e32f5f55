"""The stack as `make run` starts it: every service up, healthy and reachable."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


async def test_every_service_reports_ready_with_its_dependencies(stack):
    async with httpx.AsyncClient(timeout=10) as client:
        for instance in stack.all_instances():
            live = await client.get(f"{instance.url}/health/live")
            assert live.status_code == 200
            ready = await client.get(f"{instance.url}/health/ready")
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert checks["database"]["ok"] and checks["broker"]["ok"]
            metrics = await client.get(f"{instance.url}/metrics")
            assert "maitred_http_requests_total" in metrics.text
