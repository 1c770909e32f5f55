"""Forwarding one public call to the service that owns it.

In order: find the owner; know the caller (a staff JWT that does not verify is a 401
here); refuse early what the caller can never do (staff routes of another restaurant,
diner credentials on staff routes); check JSON; rate-limit; then forward, guarded by the
Idempotency-Key when one is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway.adapters.idempotency import Claim, IdempotencyStore, record_key, scoped_key
from gateway.adapters.redis_link import RateLimiter, RedisLink
from gateway.adapters.upstream import UpstreamResponse, Upstreams
from gateway.domain.rate_policy import checks_for, client_for
from gateway.domain.routing import Route, resolve
from gateway.service.identity import Caller, Identities
from maitred_platform.access import require_staff
from maitred_platform.principal import HEADER as PRINCIPAL_HEADER
from maitred_platform.problems import Problem

_FORWARDED_REQUEST_HEADERS = (
    "content-type",
    "accept",
    "accept-language",
    "if-match",
    "if-none-match",
    "x-request-id",
    "x-twilio-signature",
    "x-maitred-signature",
)


@dataclass(frozen=True)
class IncomingCall:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    ip: str
    request_id: str
    # The path exactly as the caller encoded it: forwarded untouched, so an encoded "/", "?"
    # or byte inside a segment reaches the service as the same segment.
    raw_path: str | None = None


@dataclass(frozen=True)
class Admitted:
    """A call the gateway lets through: where it goes, who makes it, whose limits it counts."""

    route: Route
    caller: Caller
    client_key: str


@dataclass
class Proxy:
    upstreams: Upstreams
    identities: Identities
    limiter: RateLimiter
    idempotency: IdempotencyStore
    redis: RedisLink

    async def forward(self, call: IncomingCall) -> UpstreamResponse:
        return await self.send(call, await self.admit(call))

    async def admit(self, call: IncomingCall) -> Admitted:
        """Everything checked before a service is asked: route, caller, JSON, rate limits."""
        route = resolve(call.method, call.path)
        if route is None:
            raise Problem(404, "No such resource.")
        caller = await self.identities.caller(call.headers.get("authorization"), call.ip)
        if route.access == "staff" and route.restaurant_segment is not None:
            caller = await self.identities.with_fresh_memberships(caller, route.restaurant_id)
        refuse_early(route, caller)
        document = parse_json_body(call)
        phone = document.get("phone") if isinstance(document, dict) else None
        client = client_for(
            staff_id=str(caller.staff.staff_id) if caller.staff else None,
            diner_token=caller.diner_token,
            ip=call.ip,
        )
        await self.limiter.enforce(
            checks_for(route.rate_group, client, phone if isinstance(phone, str) else None)
        )
        return Admitted(route, caller, client.key)

    async def send(self, call: IncomingCall, admitted: Admitted) -> UpstreamResponse:
        """Forwards an admitted call, guarded by its Idempotency-Key when it has one."""
        headers = self._headers_for(call, admitted.caller)
        idem_key = call.headers.get("idempotency-key")
        if call.method != "POST" or not idem_key:
            return await self._send(admitted.route, call, headers)
        return await self._send_once(admitted.route, call, headers, admitted.client_key, idem_key)

    async def _send(
        self, route: Route, call: IncomingCall, headers: dict[str, str]
    ) -> UpstreamResponse:
        target = (call.raw_path or call.path) + ("?" + call.query if call.query else "")
        return await self.upstreams.request(
            route.service, call.method, target, headers=headers, body=call.body
        )

    async def _send_once(
        self, route: Route, call: IncomingCall, headers: dict[str, str], scope: str, key: str
    ) -> UpstreamResponse:
        if len(key) > 255:
            raise Problem(422, "The Idempotency-Key is too long (255 characters at most).")
        scoped = scoped_key(scope, call.method, call.path + "?" + call.query, key)
        claimed = await self.idempotency.claim(record_key(self.redis, scoped), call.body)
        if not isinstance(claimed, Claim):
            return claimed  # the first answer, replayed
        headers = {**headers, "idempotency-key": scoped}
        try:
            answer = await self._send(route, call, headers)
        except BaseException:
            await self.idempotency.release(claimed)
            raise
        await self.idempotency.finish(claimed, answer)
        return answer

    def _headers_for(self, call: IncomingCall, caller: Caller) -> dict[str, str]:
        headers = {
            name: call.headers[name] for name in _FORWARDED_REQUEST_HEADERS if name in call.headers
        }
        headers["x-request-id"] = call.request_id
        headers["x-forwarded-for"] = call.ip
        if caller.staff is not None:
            # The service trusts the signed principal, never the caller's JWT.
            headers[PRINCIPAL_HEADER] = caller.staff.principal_header
        elif caller.diner_token is not None:
            headers["authorization"] = f"Bearer {caller.diner_token}"
        return headers


def refuse_early(route: Route, caller: Caller) -> None:
    """What the gateway refuses without asking the service."""
    if route.access != "staff":
        return
    if caller.staff is None:
        if caller.diner_token is not None:
            raise Problem(403, "This needs a staff account.")
        raise Problem(
            401, "Staff authentication is required.", headers={"WWW-Authenticate": "Bearer"}
        )
    if route.restaurant_segment is None:
        return
    if route.restaurant_id is None:  # a segment that is no id names no restaurant
        raise Problem(404, "No such restaurant.")
    # Membership only: the service checks the role a route needs, with the same check.
    require_staff(caller.staff.principal, route.restaurant_id)


def parse_json_body(call: IncomingCall) -> Any:
    """The decoded JSON body (None when there is none); malformed JSON is a 400 here."""
    content_type = call.headers.get("content-type", "")
    if not call.body or "json" not in content_type:
        return None
    try:
        return json.loads(call.body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(
            400,
            "The body is not valid JSON.",
            errors=[{"field": "body", "message": str(exc)[:200]}],
        ) from exc
