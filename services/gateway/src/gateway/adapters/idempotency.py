"""Idempotency-Key records in Redis: the first answer to a POST, replayed to its retries.

The key also goes on to the service, scoped to the caller: bookings and joins keep it in
their own transaction, so a retry after an answer that was lost (a 503 while the database
went away mid-commit, Redis losing the record) still finds what the first request made.

A record is `pending` while the first request is in flight (a concurrent duplicate gets
409), then `done` with the status, a few headers and the body for a day. The request's
fingerprint (a hash of its body) is kept too: the same key with another body is a 422.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from gateway.adapters.redis_link import RedisLink
from gateway.adapters.upstream import UpstreamResponse
from maitred_platform.problems import Problem

PENDING_SECONDS = 60
_KEPT_HEADERS = frozenset({"content-type", "location", "etag", "cache-control"})


@dataclass(frozen=True)
class Claim:
    key: str
    fingerprint: str


def scoped_key(scope: str, method: str, path: str, idem_key: str) -> str:
    """The caller's key made unique to the caller and the call (a client's keys are its own)."""
    return hashlib.sha256("\x1f".join((scope, method, path, idem_key)).encode()).hexdigest()


def record_key(link: RedisLink, scoped: str) -> str:
    return link.key("idem", scoped)


class IdempotencyStore:
    def __init__(self, link: RedisLink, ttl_seconds: int) -> None:
        self.link = link
        self.ttl = ttl_seconds

    async def claim(self, key: str, body: bytes) -> Claim | UpstreamResponse:
        """Claims the key for this request, or returns the first answer to replay."""
        fingerprint = hashlib.sha256(body).hexdigest()
        if not self.link.available():
            self.link.skipped("idempotency")
            raise _unavailable()
        pending = json.dumps({"state": "pending", "fp": fingerprint})
        try:
            if await self.link.client.set(key, pending, nx=True, ex=PENDING_SECONDS):
                return Claim(key, fingerprint)
            raw = await self.link.client.get(key)
        except Exception as exc:
            self.link.mark_down("idempotency", exc)
            raise _unavailable() from exc
        record: dict[str, Any] = json.loads(raw) if raw else {"state": "pending", "fp": fingerprint}
        if record.get("fp") != fingerprint:
            raise Problem(422, "This Idempotency-Key was already used with a different body.")
        if record.get("state") != "done":
            raise Problem(
                409,
                "A request with this Idempotency-Key is still in progress; retry shortly.",
                headers={"Retry-After": "1"},
            )
        headers = [(str(k), str(v)) for k, v in record["headers"]]
        headers.append(("Idempotent-Replayed", "true"))
        return UpstreamResponse(record["status"], headers, base64.b64decode(record["body"]))

    async def finish(self, claim: Claim, response: UpstreamResponse) -> None:
        """Keeps the answer, unless it says the request was not carried out (502-504)."""
        try:
            if response.status in (502, 503, 504):
                await self.link.client.delete(claim.key)
                return
            record = {
                "state": "done",
                "fp": claim.fingerprint,
                "status": response.status,
                "headers": [(k, v) for k, v in response.headers if k.lower() in _KEPT_HEADERS],
                "body": base64.b64encode(response.body).decode(),
            }
            await self.link.client.set(claim.key, json.dumps(record), ex=self.ttl)
        except Exception as exc:
            self.link.mark_down("idempotency", exc)

    async def release(self, claim: Claim) -> None:
        """The request failed before any answer: a retry may try again."""
        try:
            await self.link.client.delete(claim.key)
        except Exception as exc:
            self.link.mark_down("idempotency", exc)


def _unavailable() -> Problem:
    return Problem(
        503,
        "Requests with an Idempotency-Key cannot be guarded right now; retry shortly.",
        headers={"Retry-After": "2"},
    )
