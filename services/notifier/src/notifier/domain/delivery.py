"""When a failed delivery is tried again, and what counts as worth retrying."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass


class DeliveryError(Exception):
    """A channel could not deliver; `retryable` says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay_after(self, attempts: int, rand: random.Random | None = None) -> float:
        """Exponential back-off with jitter: about base·2^(n-1), drawn between half and all of it.

        The jitter spreads out retries of many deliveries that failed together (a provider
        outage), so they do not all come back at the same instant.
        """
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        draw = (rand or random).uniform(0.5, 1.0)
        return ceiling * draw

    def gives_up(self, attempts: int, error: DeliveryError) -> bool:
        return not error.retryable or attempts >= self.max_attempts


@dataclass(frozen=True)
class Outgoing:
    """A delivery claimed by the worker, with what it needs to send."""

    id: uuid.UUID
    restaurant_id: uuid.UUID
    notification_id: uuid.UUID | None
    channel: str
    destination: str | None
    attempts: int
    title: str = ""
    body: str = ""
    payload: str | None = None
    event_id: str | None = None
    secret_sealed: str | None = None
