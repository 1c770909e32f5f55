"""The slots answer, `{items: [SlotOut...]}`, written as JSON straight from the grid.

A day of a large floor has hundreds of slots: a validated SlotOut per slot cost more than
the database reads and left thousands of objects per request for the garbage collector,
whose full passes made the tail. Each distinct value (a start, a table) is still encoded by
pydantic, once, so the bytes are those of Items[SlotOut] (a unit test holds them equal).
"""

from __future__ import annotations

from pydantic_core import to_json

from reservations.domain.slots import SlotGrid


def slots_json(grid: SlotGrid, only_available: bool) -> bytes:
    tables = [
        b'"table_id":%b,"table_label":%b,"capacity":%b,"available":'
        % (to_json(t.id), to_json(t.label), to_json(t.capacity))
        for t in grid.tables
    ]
    width = len(tables)
    items: list[bytes] = []
    for i, starts_at in enumerate(grid.starts):
        head = b'{"starts_at":%b,"ends_at":%b,' % (
            to_json(starts_at),
            to_json(starts_at + grid.length),
        )
        free = grid.free[i * width : (i + 1) * width]
        for table, is_free in zip(tables, free, strict=True):
            if is_free:
                items.append(head + table + b"true}")
            elif not only_available:
                items.append(head + table + b"false}")
    return b'{"items":[%b]}' % b",".join(items)
