"""What the use cases need from outside the database: settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from maitred_platform.clock import Clock, system_clock
from notifier.config import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock = system_clock

    def waitlist_url(self, restaurant_id: object) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/r/{restaurant_id}"

    def manage_url(self, reservation_id: object, token: str | None) -> str | None:
        if not token:
            return None
        base = self.settings.public_base_url.rstrip("/")
        return f"{base}/reservations/{reservation_id}?token={quote(token, safe='')}"
