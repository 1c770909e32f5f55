"""Random joins, leaves, calls, check-ins, timeouts and table changes keep the invariants."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from waitlist.domain.errors import WaitlistError
from waitlist.domain.estimates import TurnTimes
from waitlist.domain.floor import TableReport
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist

START = datetime(2025, 6, 14, 18, 0, tzinfo=UTC)
STATUSES = ["available", "held", "occupied", "cleaning", "out_of_service"]
PHONES = ["+33612345601", "+33612345602", "+33612345603", None]


class WaitlistMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Estimates draw by id, so ids are fixed: the same example replays the same way.
        self.next_id = 0
        rid = self._new_id()
        self.now = START
        self.sequence = 0
        self.waitlist = Waitlist(
            Restaurant(id=rid, known=True, max_party_size=8),
            Settings(restaurant_id=rid, max_passed_over=2),
            [],
            [],
            TurnTimes(),
        )
        self.table_ids = [self._new_id() for _ in range(4)]
        for table_id, capacity in zip(self.table_ids, (2, 4, 6, 2), strict=True):
            self._report(table_id, "occupied", capacity, "counter" if capacity == 2 else "table")

    def _new_id(self) -> uuid.UUID:
        self.next_id += 1
        return uuid.UUID(int=self.next_id * 0x9E3779B97F4A7C15)

    def _report(
        self, table_id: uuid.UUID, status: str, capacity: int, kind: str, seq: int = 0
    ) -> None:
        self.sequence += 1
        report = TableReport(table_id, seq or self.sequence, self.now, capacity, kind, status)  # type: ignore[arg-type]
        self.waitlist.table_reported(report, self.now)

    def _parties(self, *statuses: str) -> list:
        return sorted(
            (p for p in self.waitlist.parties.values() if p.status in statuses),
            key=lambda p: p.queue_order,
        )

    def _try(self, action, *args) -> None:  # type: ignore[no-untyped-def]
        # Refusing is fine: the invariants must hold whatever was refused.
        with contextlib.suppress(WaitlistError):
            action(*args)

    @rule(
        size=st.integers(1, 9),
        preference=st.sampled_from(["table", "counter", "any"]),
        phone=st.sampled_from(PHONES),
    )
    def join(self, size: int, preference: str, phone: str | None) -> None:
        self._try(
            lambda: self.waitlist.join(
                party_id=self._new_id(),
                name="P",
                party_size=size,
                preference=preference,  # type: ignore[arg-type]
                phone=phone,
                token_hash=self._new_id().hex,
                now=self.now,
            )
        )

    @precondition(lambda self: self._parties("waiting", "called"))
    @rule(pick=st.integers(0, 50), by_staff=st.booleans())
    def leave(self, pick: int, by_staff: bool) -> None:
        parties = self._parties("waiting", "called")
        party = parties[pick % len(parties)]
        self.waitlist.leave(party.id, "staff" if by_staff else "diner", self.now)

    @precondition(lambda self: self._parties("waiting"))
    @rule(pick=st.integers(0, 50), table=st.integers(-1, 3))
    def host_calls(self, pick: int, table: int) -> None:
        parties = self._parties("waiting")
        table_id = None if table < 0 else self.table_ids[table]
        self._try(self.waitlist.call, parties[pick % len(parties)].id, table_id, self.now)

    @precondition(lambda self: self._parties("called"))
    @rule(pick=st.integers(0, 50))
    def check_in(self, pick: int) -> None:
        parties = self._parties("called")
        self._try(self.waitlist.check_in, parties[pick % len(parties)].id, self.now)

    @precondition(lambda self: self._parties("checked_in"))
    @rule(pick=st.integers(0, 50))
    def complete(self, pick: int) -> None:
        parties = self._parties("checked_in")
        self.waitlist.complete(parties[pick % len(parties)].id, self.now)

    @precondition(lambda self: self._parties("called"))
    @rule(pick=st.integers(0, 50))
    def hold_rejected(self, pick: int) -> None:
        party = self._parties("called")[pick % len(self._parties("called"))]
        assert party.table_id is not None
        self.sequence += 1
        self.waitlist.hold_rejected(party.table_id, party.id, self.sequence, self.now)

    @rule(minutes=st.integers(1, 20))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.waitlist.expire_checkins(self.now)
        self.waitlist.send_heads_ups(self.now)

    @rule(
        table=st.integers(0, 3),
        status=st.sampled_from(STATUSES),
        capacity=st.integers(1, 8),
        late=st.booleans(),
    )
    def table_changes(self, table: int, status: str, capacity: int, late: bool) -> None:
        # A late report carries an old sequence, as a retried event would.
        seq = max(1, self.sequence - 3) if late else 0
        self._report(self.table_ids[table], status, capacity, "table", seq)

    @rule(table=st.integers(0, 3))
    def table_removed(self, table: int) -> None:
        self.sequence += 1
        self.waitlist.table_removed(self.table_ids[table], self.sequence, self.now)

    @rule(strategy=st.sampled_from(["fifo", "best_fit"]), mode=st.sampled_from(["auto", "manual"]))
    def host_changes_settings(self, strategy: str, mode: str) -> None:
        self.waitlist.change_settings({"strategy": strategy, "mode": mode}, self.now)

    @rule(requeue_once=st.booleans())
    def host_changes_requeue(self, requeue_once: bool) -> None:
        self.waitlist.change_settings({"requeue_once": requeue_once}, self.now)

    @invariant()
    def positions_are_contiguous_from_one(self) -> None:
        queue = self.waitlist.queue.in_order()
        assert [self.waitlist.queue.position(p) for p in queue] == list(range(1, len(queue) + 1))
        snapshot = self.waitlist.queue.snapshot(self.now)
        assert [e.position for e in snapshot.parties] == list(range(1, len(queue) + 1))

    @invariant()
    def the_snapshot_tells_each_party_what_it_is_told_and_nothing_stale(self) -> None:
        waitlist = self.waitlist
        snapshot = waitlist.queue.snapshot(self.now)
        # The same state read afresh, without what earlier changes worked out and kept.
        fresh = Waitlist(
            waitlist.restaurant,
            waitlist.settings,
            list(waitlist.parties.values()),
            list(waitlist.tables.values()),
            waitlist.turns,
        )
        assert snapshot == fresh.queue.snapshot(self.now)
        for entry in snapshot.parties:
            view = waitlist.queue.view(waitlist.parties[entry.party_id], self.now)
            assert view.estimate is not None
            told = (view.position, view.estimate.minutes, view.estimate.low, view.estimate.high)
            assert told == (
                entry.position,
                entry.estimated_wait_minutes,
                entry.estimate_low_minutes,
                entry.estimate_high_minutes,
            )

    @invariant()
    def only_queued_parties_have_a_position(self) -> None:
        for party in self.waitlist.parties.values():
            assert (self.waitlist.queue.position(party) is not None) == party.in_queue

    @invariant()
    def no_table_is_held_for_two_parties(self) -> None:
        at_tables = [p.table_id for p in self._parties("called", "checked_in")]
        assert len(at_tables) == len(set(at_tables))

    @invariant()
    def nobody_is_called_for_a_table_that_cannot_seat_them(self) -> None:
        for party in self._parties("called"):
            assert party.table_id is not None and party.checkin_deadline is not None
            table = self.waitlist.tables[party.table_id]
            assert table.in_service and table.seats(party)

    @invariant()
    def nobody_is_passed_over_beyond_the_bound(self) -> None:
        bound = self.waitlist.settings.max_passed_over
        assert all(p.passed_over <= bound for p in self.waitlist.parties.values())

    @invariant()
    def a_phone_waits_once(self) -> None:
        phones = [p.phone for p in self.waitlist.queue.in_order() if p.phone]
        assert len(phones) == len(set(phones))

    @invariant()
    def every_queued_party_has_an_estimate_within_its_range(self) -> None:
        for estimate in self.waitlist.queue.estimates(self.now).values():
            assert 0 <= estimate.low <= estimate.minutes <= estimate.high


WaitlistMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,  # the same examples every run: CI's answer never changes by chance
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWaitlistInvariants = WaitlistMachine.TestCase
