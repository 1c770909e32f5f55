"""The waitlist's side of the floor: holding a table for a called party, and what follows.

Each use case runs inside the consumer's transaction (with the inbox row), so a redelivered
event changes nothing. Events can arrive out of order after retries: a table moves only
when it is held or occupied for the party the event is about, and a call that arrives after
the party's visit ended (left, no-show, requeued, completed) is ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_contracts import TableHeld, TableHoldRejected
from maitred_messaging import add_event
from maitred_platform.logs import get_logger
from reservations.adapters import bookings_repo, floor_repo, restaurants_repo, waitlist_repo
from reservations.domain.floor import (
    FloorTable,
    TableState,
    hold_outcome,
    party_arrived,
    party_finished,
    party_released,
)
from reservations.service import events

log = get_logger(__name__)
RejectReason = Literal["not_available", "booked_soon", "unknown_table"]


async def hold_for_called_party(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    called_at: datetime,
) -> None:
    if await _visit_ended_since(session, party_id, called_at):
        log.info("stale_call_ignored", party_id=str(party_id))
        return
    table = await floor_repo.get(session, restaurant_id, table_id, lock=True)
    restaurant = await restaurants_repo.get(session, restaurant_id)
    if table is None or restaurant is None:
        await _reject(session, restaurant_id, table_id, party_id, "unknown_table")
        return
    now = datetime.now(UTC)
    soon = now + timedelta(minutes=restaurant.slot_minutes)
    booked_soon = await bookings_repo.table_claimed_between(session, table.id, now, soon)
    outcome = hold_outcome(table.state, party_id, booked_soon)
    if outcome == "already_held":
        return
    if outcome != "hold":
        await _reject(session, restaurant_id, table_id, party_id, outcome)
        return
    await _move(session, table, TableState("held", party_id=party_id), "waitlist_call")
    await add_event(
        session, TableHeld(restaurant_id=restaurant_id, table_id=table.id, party_id=party_id)
    )


async def _reject(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    reason: RejectReason,
) -> None:
    await add_event(
        session,
        TableHoldRejected(
            restaurant_id=restaurant_id,
            table_id=table_id,
            party_id=party_id,
            reason=reason,
        ),
    )


async def party_at_table(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    at: datetime,
    reason: str,
) -> None:
    """Checked in or seated: the party's table becomes occupied."""
    if await _visit_ended_since(session, party_id, at):
        return
    table = await floor_repo.get(session, restaurant_id, table_id, lock=True)
    if table is None:
        return
    moved = party_arrived(table.state, party_id)
    if moved is not None:
        await _move(session, table, moved, reason)


async def party_gone(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    at: datetime,
    reason: str,
    *,
    visit_completed: bool = False,
) -> None:
    """Left, no-show, requeued or completed: the party's hold ends, or its table frees."""
    await waitlist_repo.record_release(session, party_id, at)
    clean = False
    if visit_completed:
        restaurant = await restaurants_repo.get(session, restaurant_id)
        clean = bool(restaurant and restaurant.clean_after_party)
    move: Callable[[TableState], TableState | None] = (
        (lambda s: party_finished(s, party_id, clean))
        if visit_completed
        else (lambda s: party_released(s, party_id))
    )
    for table in await floor_repo.tables_of_party(session, restaurant_id, party_id):
        moved = move(table.state)
        if moved is not None:
            await _move(session, table, moved, reason)


async def _visit_ended_since(session: AsyncSession, party_id: uuid.UUID, at: datetime) -> bool:
    released = await waitlist_repo.released_at(session, party_id)
    return released is not None and released >= at


async def _move(session: AsyncSession, table: FloorTable, state: TableState, reason: str) -> None:
    await floor_repo.save_state(session, table.id, state)
    await add_event(
        session, events.status_changed(replace(table, state=state), table.state, reason)
    )
