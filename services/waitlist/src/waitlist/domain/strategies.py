"""Who gets a free table: the restaurant's strategy, as plain functions of the queue.

Both strategies look only at waiting parties the table can seat (capacity and kind). `fifo`
takes the first of them. `best_fit` takes the one that leaves the fewest seats empty, but a
party already passed over `max_passed_over` times is taken first, so nobody waits forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from waitlist.domain.floor import Table
from waitlist.domain.party import Party

Strategy = Literal["fifo", "best_fit"]


@dataclass(frozen=True)
class Choice:
    party: Party
    passed_over: list[Party]
    """Parties ahead of the chosen one that the table could have seated."""


def choose_party(
    strategy: Strategy, table: Table, queue: Sequence[Party], max_passed_over: int
) -> Choice | None:
    """The party the table goes to, from `queue` in queue order (waiting parties only)."""
    fitting = [
        party
        for party in queue
        if party.status == "waiting" and table.seats(party) and party.missed_table_id != table.id
    ]
    if not fitting:
        return None
    if strategy == "fifo":
        return Choice(fitting[0], [])
    due = [party for party in fitting if party.passed_over >= max_passed_over]
    if due:
        chosen = due[0]
    else:
        chosen = min(fitting, key=lambda p: (table.capacity - p.party_size, fitting.index(p)))
    ahead = fitting[: fitting.index(chosen)]
    return Choice(chosen, ahead)
