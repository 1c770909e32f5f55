"""How parties, summaries and settings look in HTTP answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from waitlist.domain.queue import PartyView
from waitlist.domain.settings import Settings


def minutes_since(start: datetime, now: datetime) -> int:
    return max(0, int((now - start).total_seconds() // 60))


def party_answer(view: PartyView) -> dict[str, Any]:
    party, estimate = view.party, view.estimate
    return {
        "id": str(party.id),
        "restaurant_id": str(party.restaurant_id),
        "name": party.name,
        "party_size": party.party_size,
        "preference": party.preference,
        "status": party.status,
        "position": view.position,
        "parties_ahead": None if view.position is None else view.position - 1,
        "estimated_wait_minutes": None if estimate is None else estimate.minutes,
        "estimate_low_minutes": None if estimate is None else estimate.low,
        "estimate_high_minutes": None if estimate is None else estimate.high,
        "quoted_wait_minutes": party.quoted_wait_minutes,
        "joined_at": party.joined_at,
        "table_id": None if party.table_id is None else str(party.table_id),
        "called_at": party.called_at,
        "checkin_deadline": party.checkin_deadline,
        "checked_in_at": party.checked_in_at,
        "seated_at": party.seated_at,
        "expected_end_at": party.expected_end_at,
    }


def host_party_answer(
    view: PartyView, now: datetime, suggested_table: uuid.UUID | None
) -> dict[str, Any]:
    """What the host sees besides: phone, wait so far, overrun, the strategy's suggestion."""
    party = view.party
    return {
        **party_answer(view),
        "phone": party.phone,
        "wait_so_far_minutes": minutes_since(party.joined_at, party.checked_in_at or now),
        "actual_wait_minutes": party.actual_wait_minutes,
        "overdue": party.expected_end_at is not None and party.expected_end_at < now,
        "passed_over": party.passed_over,
        "suggested_table_id": None if suggested_table is None else str(suggested_table),
    }


def settings_answer(settings: Settings, party_size_limit: int) -> dict[str, Any]:
    return {
        "open": settings.open,
        "mode": settings.mode,
        "strategy": settings.strategy,
        "checkin_timeout_seconds": settings.checkin_timeout_seconds,
        "max_party_size": party_size_limit,
        "follows_restaurant_max_party_size": settings.max_party_size is None,
        "heads_up_minutes": settings.heads_up_minutes,
        "requeue_once": settings.requeue_once,
        "max_passed_over": settings.max_passed_over,
    }
