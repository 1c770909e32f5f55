"""What the use cases need from storage; the Postgres adapters and the tests' fakes both fit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from maitred_contracts import EventData
from maitred_platform.request_keys import Remembered, RequestKey
from waitlist.domain.party import Party
from waitlist.domain.waitlist import Waitlist


@dataclass(frozen=True)
class DayCounts:
    """A restaurant's parties since the start of its day."""

    joined: int
    seated: int
    covers: int
    average_wait_minutes: float | None
    no_shows: int
    left: int


class Waitlists(Protocol):
    async def ensure_restaurant(self, restaurant_id: uuid.UUID) -> None:
        """Creates the restaurant with default settings, once; events may come first."""

    async def load(
        self,
        restaurant_id: uuid.UUID,
        *,
        lock: bool = True,
        skip_locked: bool = False,
        include_party: uuid.UUID | None = None,
    ) -> Waitlist | None:
        """The waitlist with its active parties (and `include_party` whatever its status).

        With `lock`, changes to the restaurant's waitlist wait for this transaction; with
        `skip_locked`, a waitlist someone else is changing answers None instead of waiting.
        """

    async def save(self, waitlist: Waitlist, events: Sequence[EventData], now: datetime) -> None:
        """Writes what changed in the waitlist and the events raised with it, together."""

    async def find_party(self, party_id: uuid.UUID) -> Party | None: ...

    async def party_by_token_hash(self, token_hash: str) -> Party | None: ...

    async def due_restaurants(self, now: datetime) -> list[uuid.UUID]:
        """Restaurants with a called party past its deadline or a heads-up due."""

    async def quote_error(
        self, restaurant_id: uuid.UUID, since: datetime
    ) -> tuple[float | None, int]:
        """Mean absolute error in minutes of the quotes of parties seated since, and how many."""

    async def day_counts(self, restaurant_id: uuid.UUID, since: datetime) -> DayCounts: ...


class JoinKeys(Protocol):
    """Idempotency-Keys of joins, kept in the joining transaction with the party they made."""

    async def claim(self, key: RequestKey) -> Remembered | None:
        """Takes the key; or returns what its first use made (None: go ahead and join)."""

    async def remember(self, key: RequestKey, party_id: uuid.UUID, token: str) -> None: ...
