"""The rate-limit policy: which limits apply to a request, keyed by whom.

A client is the staff member (from a verified JWT), else the diner token (hashed), else
the IP address. Joins and bookings by diners are limited per IP generously, because a
restaurant's guests share its Wi-Fi, and per phone strictly, because one diner joins once;
staff (a host's tablet adding walk-ins all evening) are limited per staff member only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import RateLimitItem, parse


@dataclass(frozen=True)
class Client:
    kind: str  # "staff" | "token" | "ip"
    id: str
    ip: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def client_for(*, staff_id: str | None, diner_token: str | None, ip: str) -> Client:
    if staff_id:
        return Client("staff", staff_id, ip)
    if diner_token:
        return Client("token", hashlib.sha256(diner_token.encode()).hexdigest()[:32], ip)
    return Client("ip", ip, ip)


# group -> (limit for staff, for a diner token, for an anonymous IP), per client.
_PER_CLIENT: dict[str, tuple[str, str, str]] = {
    "default": ("600/minute", "120/minute", "300/minute"),
    "joins": ("120/minute", "30/minute", "30/minute"),
    "bookings": ("120/minute", "30/minute", "30/minute"),
    "lookups": ("60/minute", "10/minute", "10/minute"),
    "webhooks": ("600/minute", "600/minute", "600/minute"),
    "realtime": ("120/minute", "120/minute", "120/minute"),
    "auth_register": ("30/hour", "30/hour", "30/hour"),
}
# Extra limits for diners (not staff), keyed by the address and by the phone in the body.
_DINER_PER_IP = {"joins": "30/minute", "bookings": "30/minute", "lookups": "10/minute"}
_PER_PHONE = {"joins": "5/hour", "bookings": "10/hour", "lookups": "3/hour"}
# Logging in: per address, and per account so one account cannot be guessed at from many.
_LOGIN_PER_IP = "30/minute"
_LOGIN_PER_EMAIL = "10/minute"


@dataclass(frozen=True)
class Check:
    limit: RateLimitItem
    identifiers: tuple[str, ...]


def checks_for(group: str, client: Client, phone: str | None = None) -> list[Check]:
    per_client = _PER_CLIENT.get(group, _PER_CLIENT["default"])
    index = {"staff": 0, "token": 1, "ip": 2}[client.kind]
    checks = [Check(parse(per_client[index]), (group, client.kind, client.id))]
    if client.kind != "staff":
        if group in _DINER_PER_IP and client.kind != "ip":
            checks.append(Check(parse(_DINER_PER_IP[group]), (group, "ip", client.ip)))
        if phone and group in _PER_PHONE:
            digest = hashlib.sha256(phone.encode()).hexdigest()[:32]
            checks.append(Check(parse(_PER_PHONE[group]), (group, "phone", digest)))
    return checks


def login_checks(email: str, ip: str) -> list[Check]:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return [
        Check(parse(_LOGIN_PER_IP), ("auth_token", "ip", ip)),
        Check(parse(_LOGIN_PER_EMAIL), ("auth_token", "email", digest)),
    ]
