"""The waitlist's side of the floor: holding a table for a called party, and what follows.

Each use case runs in the consumer's unit of work (with the inbox row), so a redelivered
event changes nothing. Events can arrive out of order after retries: a table moves only
when it is held or occupied for the party the event is about, and a call that arrives after
the party's visit ended (left, no-show, requeued, completed) is ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from maitred_platform.logs import get_logger
from reservations.domain.events import TableHeldForParty, TableHoldRefused, TableStatusMoved
from reservations.domain.floor import (
    FloorTable,
    TableState,
    hold_outcome,
    party_arrived,
    party_finished,
    party_released,
)
from reservations.service.unit_of_work import ReservationsUnitOfWork

log = get_logger(__name__)


async def hold_for_called_party(
    uow: ReservationsUnitOfWork,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    called_at: datetime,
) -> None:
    async with uow:
        if await _visit_ended_since(uow, party_id, called_at):
            log.info("stale_call_ignored", party_id=str(party_id))
            return
        table = await uow.floor.get(restaurant_id, table_id, lock=True)
        restaurant = await uow.restaurants.get(restaurant_id)
        if table is None or restaurant is None:
            uow.add(TableHoldRefused(restaurant_id, table_id, party_id, "unknown_table"))
            await uow.commit()
            return
        now = datetime.now(UTC)
        soon = now + timedelta(minutes=restaurant.slot_minutes)
        booked_soon = await uow.bookings.table_claimed_between(table.id, now, soon)
        outcome = hold_outcome(table.state, party_id, booked_soon)
        if outcome == "already_held":
            return
        if outcome == "hold":
            await _move(uow, table, TableState("held", party_id=party_id), "waitlist_call")
            uow.add(TableHeldForParty(restaurant_id, table.id, party_id))
        else:
            uow.add(TableHoldRefused(restaurant_id, table_id, party_id, outcome))
        await uow.commit()


async def party_at_table(
    uow: ReservationsUnitOfWork,
    restaurant_id: uuid.UUID,
    table_id: uuid.UUID,
    party_id: uuid.UUID,
    at: datetime,
    reason: str,
) -> None:
    """Checked in or seated: the party's table becomes occupied."""
    async with uow:
        if await _visit_ended_since(uow, party_id, at):
            return
        table = await uow.floor.get(restaurant_id, table_id, lock=True)
        if table is None:
            return
        moved = party_arrived(table.state, party_id)
        if moved is not None:
            await _move(uow, table, moved, reason)
        await uow.commit()


async def party_gone(
    uow: ReservationsUnitOfWork,
    restaurant_id: uuid.UUID,
    party_id: uuid.UUID,
    at: datetime,
    reason: str,
    *,
    visit_completed: bool = False,
) -> None:
    """Left, no-show, requeued or completed: the party's hold ends, or its table frees."""
    async with uow:
        await uow.waitlist.record_release(party_id, at)
        clean = False
        if visit_completed:
            restaurant = await uow.restaurants.get(restaurant_id)
            clean = bool(restaurant and restaurant.clean_after_party)
        move: Callable[[TableState], TableState | None] = (
            (lambda s: party_finished(s, party_id, clean))
            if visit_completed
            else (lambda s: party_released(s, party_id))
        )
        for table in await uow.floor.tables_of_party(restaurant_id, party_id):
            moved = move(table.state)
            if moved is not None:
                await _move(uow, table, moved, reason)
        await uow.commit()


async def _visit_ended_since(
    uow: ReservationsUnitOfWork, party_id: uuid.UUID, at: datetime
) -> bool:
    released = await uow.waitlist.released_at(party_id)
    return released is not None and released >= at


async def _move(
    uow: ReservationsUnitOfWork, table: FloorTable, state: TableState, reason: str
) -> None:
    await uow.floor.save_state(table.id, state)
    uow.add(TableStatusMoved(replace(table, state=state), table.state, reason))
