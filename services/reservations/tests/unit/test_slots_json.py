"""The slots answer written from the grid is byte for byte what Items[SlotOut] would give."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from reservations.domain.hours import OpeningPeriod
from reservations.domain.slots import BookableTable, BookedSpan, slot_grid
from reservations.entrypoints.schemas import Items, SlotOut
from reservations.entrypoints.slots_json import slots_json

NEW_YORK = ZoneInfo("America/New_York")
TABLES = [
    BookableTable(uuid.uuid4(), 'Bar "2"', 2),
    BookableTable(uuid.uuid4(), "Terrasse été ☀", 4),
    BookableTable(uuid.uuid4(), "T\\6", 6),
]
MODEL = TypeAdapter(Items[SlotOut])


def modelled(slots: list[SlotOut]) -> bytes:
    return MODEL.dump_json(Items[SlotOut](items=slots))


def test_the_slots_answer_is_what_the_response_model_would_write() -> None:
    november_first = date(2025, 11, 2)  # 01:00 happens twice in New York
    periods = [
        OpeningPeriod(5, time(22, 0), time(3, 0)),
        OpeningPeriod(6, time(12, 0), time(14, 0)),
    ]
    one_am = datetime(2025, 11, 2, 5, 0, tzinfo=UTC)
    booked = [BookedSpan(TABLES[1].id, one_am, one_am + timedelta(hours=1))]
    now = datetime(2025, 11, 2, 4, 30, tzinfo=UTC)
    grid = slot_grid(november_first, NEW_YORK, periods, 60, TABLES, booked, 2, now)
    slots = [SlotOut.of(s) for s in grid.slots()]
    assert len(slots) == 6 * 3 and any(s.available for s in slots)

    assert slots_json(grid, only_available=False) == modelled(slots)
    assert slots_json(grid, only_available=True) == modelled([s for s in slots if s.available])


def test_only_available_leaves_out_every_taken_slot() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(20, 0))]
    six = datetime(2025, 6, 10, 22, 0, tzinfo=UTC)  # 18:00 in New York
    booked = [BookedSpan(t.id, six, six + timedelta(hours=1)) for t in TABLES]
    grid = slot_grid(date(2025, 6, 10), NEW_YORK, periods, 60, TABLES, booked, 1, six)

    free = json.loads(slots_json(grid, only_available=True))["items"]

    assert [(s["starts_at"], s["table_label"]) for s in free] == [
        ("2025-06-10T23:00:00Z", t.label) for t in sorted(TABLES, key=lambda t: t.capacity)
    ]


def test_a_party_no_table_seats_gets_an_empty_list() -> None:
    periods = [OpeningPeriod(1, time(18, 0), time(20, 0))]
    grid = slot_grid(date(2025, 6, 10), NEW_YORK, periods, 60, TABLES, [], 7, datetime.now(UTC))
    assert slots_json(grid, only_available=False) == b'{"items":[]}'
