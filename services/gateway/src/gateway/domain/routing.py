"""Which service owns a public path, who may call it, and which rate-limit group it is in.

Access:
- `public`: anyone (a staff JWT is still verified and forwarded as the principal).
- `staff`: a verified staff member of the restaurant in the path; others are refused here,
  before the service is asked (the service checks again against the principal).
- `credential`: staff or a diner token; the owning service decides (no restaurant in the path).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Literal

Access = Literal["public", "staff", "credential"]
Service = Literal["reservations", "waitlist", "notifier"]

_RID = r"(?P<rid>[^/]+)"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    service: Service
    access: dict[str, Access]  # by method; "*" for any other method
    rate_group: str = "default"

    def access_for(self, method: str) -> Access:
        return self.access.get(method, self.access.get("*", "staff"))


def _rule(path: str, service: Service, rate_group: str = "default", **access: Access) -> Rule:
    by_method = {("*" if m == "ANY" else m): a for m, a in access.items()}
    return Rule(re.compile(f"^{path}$"), service, by_method, rate_group)


STAFF: Access = "staff"
PUBLIC: Access = "public"
CREDENTIAL: Access = "credential"

RULES: tuple[Rule, ...] = (
    # reservations
    _rule("/v1/restaurants", "reservations", GET=PUBLIC, POST=STAFF),
    _rule(f"/v1/restaurants/{_RID}", "reservations", GET=PUBLIC, ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/tables(?:/.*)?", "reservations", ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/slots", "reservations", GET=PUBLIC, ANY=STAFF),
    _rule(
        f"/v1/restaurants/{_RID}/reservations", "reservations", "bookings", POST=PUBLIC, ANY=STAFF
    ),
    _rule(f"/v1/restaurants/{_RID}/reservations/.*", "reservations", ANY=STAFF),
    _rule("/v1/reservations/lookup", "reservations", "lookups", ANY=PUBLIC),
    _rule("/v1/reservations(?:/.*)?", "reservations", ANY=CREDENTIAL),
    # waitlist
    _rule(f"/v1/restaurants/{_RID}/waitlist", "waitlist", GET=PUBLIC, ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/waitlist/parties", "waitlist", "joins", POST=PUBLIC, ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/waitlist/.*", "waitlist", ANY=STAFF),
    _rule("/v1/parties(?:/.*)?", "waitlist", ANY=CREDENTIAL),
    # notifier
    _rule(f"/v1/restaurants/{_RID}/notifications(?:/.*)?", "notifier", ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/webhooks(?:/.*)?", "notifier", ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/notification-settings(?:/.*)?", "notifier", ANY=STAFF),
    _rule(f"/v1/restaurants/{_RID}/opt-outs(?:/.*)?", "notifier", ANY=STAFF),
    _rule("/v1/sms/inbound", "notifier", "webhooks", ANY=PUBLIC),
)


@dataclass(frozen=True)
class Route:
    service: Service
    access: Access
    rate_group: str
    restaurant_id: uuid.UUID | None
    restaurant_segment: str | None  # the raw path segment, even when not a UUID


def resolve(method: str, path: str) -> Route | None:
    """The owning service and the access rule of a public path; None when nothing owns it."""
    for rule in RULES:
        match = rule.pattern.match(path)
        if match is None:
            continue
        segment = match.groupdict().get("rid")
        return Route(
            service=rule.service,
            access=rule.access_for(method.upper()),
            rate_group=rule.rate_group if method.upper() == "POST" else "default",
            restaurant_id=_uuid_or_none(segment),
            restaurant_segment=segment,
        )
    return None


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
