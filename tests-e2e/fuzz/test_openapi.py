"""Schemathesis against the gateway's merged OpenAPI document (and each service's own), on a
running stack: no 5xx, answers that conform to the document, credentials enforced where
the document declares them, and invalid data refused.

Cases run in a worker thread (schemathesis is synchronous), so the event loop keeps reading
the services' logs meanwhile. Examples per operation are bounded (MAITRED_FAULT_SCALE).
"""

from __future__ import annotations

import asyncio
import json
import os
import traceback
from collections import Counter
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from attacks.hostile import owner_with_restaurant
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

FULL = os.environ.get("MAITRED_FAULT_SCALE", "ci").strip().lower() == "full"
EXAMPLES = 30 if FULL else 8
# Conformance of what a service answers; status codes the document does not list are
# reported, not failed (problem answers like 401/404/503 are not all declared per route).
STRICT = [not_a_server_error, response_schema_conformance]
REPORTED = [status_code_conformance, content_type_conformance]


def fuzz(schema: Any, base_url: str, headers: dict[str, str], rid: str) -> dict[str, Any]:
    """Every operation, positive and negative cases; failures collected, not stopping."""
    report: dict[str, Any] = {
        "failures": {}, "undeclared": Counter(), "statuses": Counter(), "known": Counter()
    }  # fmt: skip
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(operation, mode, session, base_url, headers, rid, report)
    return report


def known_bug(case: Any) -> bool:
    """A 500 already pinned by test_found_by_fuzzing.py: slots on a calendar edge day."""
    day = str((case.query or {}).get("date", ""))
    return case.path.endswith("/slots") and day[:4] in ("0001", "9999")


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    rid: str,
    report: dict[str, Any],
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    failures: dict[str, list[str]] = report["failures"]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if mode == GenerationMode.POSITIVE and "restaurant_id" in (case.path_parameters or {}):
            case.path_parameters["restaurant_id"] = rid  # reach a real restaurant
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=15)
        report["statuses"][response.status_code] += 1
        if response.status_code == 500 and known_bug(case):
            report["known"][label] += 1  # pinned in test_found_by_fuzzing.py
            return
        checks = [*STRICT]
        if mode == GenerationMode.NEGATIVE:
            checks.append(negative_data_rejection)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:
            failures.setdefault(label, []).append(
                f"{mode.value}: {case.method} {case.formatted_path} -> {response.status_code} "
                f"{response.text[:300]!r}: {str(exc)[:300]} | sent {str(case.body)[:150]!r}"
            )
        for check in REPORTED:
            try:
                case.validate_response(response, checks=[check])
            except (Exception, BaseExceptionGroup):
                kind = response.headers.get("content-type", "")
                report["undeclared"][f"{label} {response.status_code} {kind}"] += 1

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing of this operation can be made invalid (no parameters, no body)
    except (Exception, BaseExceptionGroup):
        failures.setdefault(label, []).append(traceback.format_exc(limit=3)[-600:])


async def run_against(url: str, base_url: str, headers: dict[str, str], rid: str):  # type: ignore[no-untyped-def]
    schema = await asyncio.to_thread(schemathesis.openapi.from_url, url)
    return await asyncio.to_thread(fuzz, schema, base_url, headers, rid)


async def test_gateway_openapi_fuzzed_gives_no_5xx_and_conforms(target, client):
    place = await owner_with_restaurant(client, target.secrets)
    gateway = target.url("gateway")
    report = await run_against(f"{gateway}/openapi.json", gateway, place["owner"], place["rid"])
    print(f"gateway statuses: {dict(report['statuses'])}")
    print(f"undeclared statuses: {dict(report['undeclared'])}")
    print(f"500s of known, pinned bugs: {dict(report['known'])}")
    assert report["failures"] == {}, failure_text(report, target.logs)
    assert sum(report["statuses"].values()) > 50


@pytest.mark.parametrize("service", ["reservations", "waitlist", "notifier"])
async def test_service_openapi_fuzzed_gives_no_5xx_and_conforms(target, client, service):
    """Each service's own document, called directly as the gateway would (anonymously: the
    principal header is the gateway's to sign)."""
    place = await owner_with_restaurant(client, target.secrets)
    base = target.url(service)
    report = await run_against(f"{base}/openapi.json", base, {}, place["rid"])
    print(f"{service} statuses: {dict(report['statuses'])}")
    assert report["failures"] == {}, failure_text(report, target.logs)


async def test_gateway_forwards_an_encoded_path_segment_as_sent(target):
    """Percent-encoded segments reach the service as sent: é, a space, a control character
    or an encoded '?' in an id are a problem answer about that id, never a 400 in plain text,
    a 502, or a query the caller never sent."""
    gateway = target.url("gateway")
    answers = {}
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
        for segment in ("%C3%A9", "a%20b", "%17", "x%3Fy"):
            r = await http.get(f"/v1/parties/{segment}")
            answers[segment] = (r.status_code, r.headers.get("content-type", ""))
    # An id that is not a UUID: a problem document (404 or 422), never 400 text or 502.
    assert all(
        status in (401, 404, 422) and kind.startswith("application/problem+json")
        for status, kind in answers.values()
    ), answers


def failure_text(report: dict[str, Any], logs: list[str]) -> str:
    """The failures, and the services' last error lines (with the end of each traceback)."""
    errors = []
    for line in logs:
        if '"level": "error"' in line:
            prefix, _, raw = line.partition(" | ")
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            errors.append(f"{prefix}: {record.get('event')} {str(record.get('exception'))[-500:]}")
    return json.dumps(report["failures"], indent=1)[:3000] + "\n" + "\n".join(errors[-4:])
