"""Free slots of a day for a party, computed on demand (nothing is pre-generated)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from reservations.domain.bookings import check_party_size
from reservations.domain.slots import (
    BookableTable,
    SlotGrid,
    local_day_bounds,
    slot_grid,
    within_horizon,
)
from reservations.service.access import restaurant_or_404
from reservations.service.unit_of_work import ReservationsUnitOfWork


async def slots_of_day(
    uow: ReservationsUnitOfWork,
    restaurant_id: uuid.UUID,
    day: date,
    party_size: int,
) -> SlotGrid:
    async with uow:
        restaurant = await restaurant_or_404(uow, restaurant_id)
        on_floor = await uow.floor.on_floor(restaurant_id)
        largest = max((t.capacity for t in on_floor if t.kind == "table"), default=0)
        check_party_size(party_size, restaurant.min_party_size, restaurant.max_party_size, largest)
        zone = restaurant.zone
        now = datetime.now(UTC)
        length = timedelta(minutes=restaurant.slot_minutes)
        bounds = local_day_bounds(day, zone)
        # Past the horizon, or at the calendar's very edge: no slot at all.
        if bounds is None or not within_horizon(day, zone, now) or day.year < 2:
            return SlotGrid((), length, (), b"")
        day_start, day_end = bounds
        # The previous night's period can reach into this day, and a slot can end after it.
        booked = await uow.bookings.spans(restaurant_id, day_start, day_end + length)
    tables = [BookableTable(t.id, t.label, t.capacity) for t in on_floor if t.bookable]
    return slot_grid(
        day,
        zone,
        restaurant.opening_hours,
        restaurant.slot_minutes,
        tables,
        booked,
        party_size,
        now,
    )
