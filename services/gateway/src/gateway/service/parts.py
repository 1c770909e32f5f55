"""What the gateway's lifespan builds, kept on `app.state.gateway` for the routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.requests import HTTPConnection

from gateway.adapters.redis_link import RateLimiter, RedisLink
from gateway.adapters.upstream import Upstreams
from gateway.config import Settings
from gateway.domain.tokens import KeyRing
from gateway.service.identity import Identities
from gateway.service.openapi import OpenApiDocument
from gateway.service.proxy import Proxy
from gateway.service.realtime import Hub


@dataclass
class GatewayParts:
    settings: Settings
    ring: KeyRing
    redis: RedisLink
    limiter: RateLimiter
    upstreams: Upstreams
    identities: Identities
    proxy: Proxy
    hub: Hub
    openapi: OpenApiDocument


def parts_of(connection: HTTPConnection | Request) -> GatewayParts:
    parts: GatewayParts = connection.app.state.gateway
    return parts


def client_ip(connection: HTTPConnection) -> str:
    """The caller's address; behind a trusted load balancer, the last X-Forwarded-For hop."""
    settings: Settings = connection.app.state.settings
    if settings.trust_forwarded_for:
        forwarded = connection.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return connection.client.host if connection.client else "unknown"
