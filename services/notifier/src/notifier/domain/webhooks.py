"""Signed webhooks: the signature integrators verify, and which target addresses are refused."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Maitred-Signature"


@dataclass(frozen=True)
class Webhook:
    """A restaurant's URL and the event types it asked for (its secret is never listed)."""

    id: uuid.UUID
    url: str
    event_types: list[str]
    created_at: datetime


@dataclass(frozen=True)
class WebhookTarget:
    """Where one event goes: a webhook that asked for its type."""

    id: uuid.UUID
    url: str


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def url_problem(url: str) -> str | None:
    """Why a URL cannot be a webhook target before any lookup (scheme, host), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "must be a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username or parts.password:
        return "must not carry credentials"
    return None


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local (cloud metadata), multicast and reserved ranges."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
