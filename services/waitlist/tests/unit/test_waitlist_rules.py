"""The waitlist's rules on plain objects: joining, calling, timeouts, holds and the floor."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from waitlist.domain.errors import Conflict, Invalid, NotFound
from waitlist.domain.estimates import TurnTimes
from waitlist.domain.events import (
    PartyCalled,
    PartyCheckedIn,
    PartyHeadsUp,
    PartyJoined,
    PartyNoShow,
    PartyRequeued,
    QueueChanged,
)
from waitlist.domain.floor import TableReport
from waitlist.domain.party import Party
from waitlist.domain.settings import Restaurant, Settings
from waitlist.domain.waitlist import Waitlist

NOW = datetime(2025, 6, 14, 19, 0, tzinfo=UTC)


class Floor:
    """A waitlist with a few tables and a sequence counter for reservations' reports."""

    def __init__(self, *capacities: int, **settings: object) -> None:
        rid = uuid.uuid4()
        self.sequence = 0
        self.waitlist = Waitlist(
            Restaurant(id=rid, known=True, max_party_size=12),
            Settings(restaurant_id=rid, **settings),  # type: ignore[arg-type]
            [],
            [],
            TurnTimes(),
        )
        self.table_ids = [self.add_table(c, status="occupied") for c in capacities]

    def report(self, table_id: uuid.UUID, status: str, capacity: int = 4, **extra: object) -> None:
        self.sequence += 1
        self.waitlist.table_reported(
            TableReport(table_id, self.sequence, NOW, capacity, "table", status, **extra),  # type: ignore[arg-type]
            NOW,
        )

    def add_table(self, capacity: int, status: str = "available") -> uuid.UUID:
        table_id = uuid.uuid4()
        self.report(table_id, status, capacity)
        return table_id

    def free(self, index: int) -> None:
        table_id = self.table_ids[index]
        self.report(table_id, "available", self.waitlist.tables[table_id].capacity)

    def join(self, size: int = 2, phone: str | None = None, at: datetime = NOW) -> Party:
        return self.waitlist.join(
            party_id=uuid.uuid4(),
            name="Alex",
            party_size=size,
            preference="any",
            phone=phone,
            token_hash=uuid.uuid4().hex,
            now=at,
        )

    def events(self, kind: type) -> list:
        return [e for e in self.waitlist.events if isinstance(e, kind)]


def positions(waitlist: Waitlist) -> list[int | None]:
    return [waitlist.queue.position(p) for p in waitlist.queue.in_order()]


def test_joining_gives_position_and_quote_and_announces_it() -> None:
    floor = Floor(4, 4)
    first, second = floor.join(), floor.join()
    assert positions(floor.waitlist) == [1, 2]
    joined = floor.events(PartyJoined)
    assert [e.position for e in joined] == [1, 2]
    assert second.quoted_wait_minutes is not None and second.quoted_wait_minutes > 0
    assert first.status == "waiting"


def test_joining_when_a_fitting_table_is_free_calls_the_party_at_once() -> None:
    floor = Floor()
    table_id = floor.add_table(4)
    party = floor.join(3)
    assert party.status == "called" and party.table_id == table_id
    called = floor.events(PartyCalled)[0]
    assert called.expires_at == NOW + timedelta(seconds=600)


def test_manual_mode_never_calls_by_itself_but_suggests() -> None:
    floor = Floor(mode="manual")
    table_id = floor.add_table(4)
    party = floor.join(2)
    assert party.status == "waiting"
    assert floor.waitlist.queue.suggestions() == {party.id: table_id}


@pytest.mark.parametrize("size", [13, 7])
def test_party_too_large_is_refused(size: int) -> None:
    floor = Floor(4, 6)
    with pytest.raises(Invalid) as refused:
        floor.join(size)
    assert refused.value.field == "party_size"
    assert floor.waitlist.queue.in_order() == []


def test_closed_or_unknown_restaurant_refuses_joins() -> None:
    floor = Floor(4, open=False)
    with pytest.raises(Conflict):
        floor.join()
    floor.waitlist.restaurant.known = False
    with pytest.raises(NotFound):
        floor.join()


def test_same_phone_cannot_wait_twice_but_may_rejoin_after_leaving() -> None:
    floor = Floor(4)
    first = floor.join(phone="+33612345678")
    with pytest.raises(Conflict):
        floor.join(phone="+33612345678")
    floor.waitlist.leave(first.id, "diner", NOW)
    floor.join(phone="+33612345678")


def test_positions_stay_contiguous_after_a_party_leaves() -> None:
    floor = Floor(4)
    parties = [floor.join() for _ in range(4)]
    floor.waitlist.leave(parties[1].id, "diner", NOW)
    assert positions(floor.waitlist) == [1, 2, 3]
    assert floor.waitlist.queue.position(parties[3]) == 3


def test_a_rejoining_party_goes_to_the_back() -> None:
    floor = Floor(4)
    first, _ = floor.join(), floor.join()
    floor.waitlist.leave(first.id, "diner", NOW)
    again = floor.join()
    assert floor.waitlist.queue.position(again) == 2


def test_leaving_twice_is_a_conflict() -> None:
    floor = Floor(4)
    party = floor.join()
    floor.waitlist.leave(party.id, "diner", NOW)
    with pytest.raises(Conflict):
        floor.waitlist.leave(party.id, "diner", NOW)


def test_freed_table_calls_first_fitting_party() -> None:
    floor = Floor(2, 4)
    big, small = floor.join(4), floor.join(2)
    floor.free(0)
    assert small.status == "called" and big.status == "waiting"


def test_check_in_only_when_called_and_before_the_deadline() -> None:
    floor = Floor(4)
    party = floor.join()
    with pytest.raises(Conflict):
        floor.waitlist.check_in(party.id, NOW)
    floor.free(0)
    assert party.checkin_deadline is not None
    with pytest.raises(Conflict):
        floor.waitlist.check_in(party.id, party.checkin_deadline + timedelta(seconds=1))
    floor.waitlist.check_in(party.id, party.checkin_deadline)
    checked_in = floor.events(PartyCheckedIn)[0]
    assert checked_in.expected_end_at == party.checkin_deadline + timedelta(minutes=45)


def test_no_check_in_by_the_deadline_is_a_no_show_and_the_table_goes_on() -> None:
    floor = Floor(4)
    late, next_party = floor.join(), floor.join()
    floor.free(0)
    assert late.checkin_deadline is not None
    floor.waitlist.expire_checkins(late.checkin_deadline)
    assert late.status == "called"
    floor.waitlist.expire_checkins(late.checkin_deadline + timedelta(seconds=1))
    assert late.status == "no_show"
    assert next_party.status == "called" and next_party.table_id == floor.table_ids[0]
    assert floor.events(PartyNoShow)[0].requeued is False


def test_requeue_once_puts_a_late_party_back_at_its_place_once() -> None:
    floor = Floor(4, 4, requeue_once=True)
    late, behind = floor.join(), floor.join()
    floor.free(0)
    deadline = late.checkin_deadline
    assert deadline is not None
    floor.waitlist.expire_checkins(deadline + timedelta(seconds=1))
    assert late.status == "waiting" and floor.waitlist.queue.position(late) == 1
    assert floor.events(PartyNoShow)[0].requeued is True
    assert floor.events(PartyRequeued)[0].reason == "checkin_timeout"
    # The table it let go went to the next party; the next free table is its again.
    assert behind.status == "called"
    floor.free(1)
    assert late.status == "called"
    assert late.checkin_deadline is not None
    floor.waitlist.expire_checkins(late.checkin_deadline + timedelta(seconds=1))
    assert late.status == "no_show"


def test_rejected_hold_puts_the_party_back_and_blocks_the_table_until_news() -> None:
    floor = Floor(4)
    party = floor.join()
    floor.free(0)
    table_id = floor.table_ids[0]
    floor.sequence += 1
    floor.waitlist.hold_rejected(table_id, party.id, floor.sequence, NOW)
    assert party.status == "waiting" and floor.waitlist.queue.position(party) == 1
    assert floor.events(PartyRequeued)[0].reason == "hold_rejected"
    floor.free(0)  # a newer status report: the table may be offered again
    assert party.status == "called"


def test_an_older_table_report_changes_nothing() -> None:
    floor = Floor()
    table_id = uuid.uuid4()
    floor.waitlist.table_reported(TableReport(table_id, 10, NOW, 4, "table", "occupied"), NOW)
    floor.waitlist.table_reported(
        TableReport(table_id, 5, NOW, 2, "table", "available", label="T1", whole_table=True), NOW
    )
    table = floor.waitlist.tables[table_id]
    assert table.status == "occupied" and table.capacity == 4 and table.label is None


def test_status_before_creation_still_gives_the_whole_table() -> None:
    floor = Floor()
    table_id = uuid.uuid4()
    floor.waitlist.table_reported(TableReport(table_id, 7, NOW, 4, "table", "cleaning"), NOW)
    floor.waitlist.table_reported(
        TableReport(table_id, 3, NOW, 4, "table", "available", label="T9", whole_table=True), NOW
    )
    table = floor.waitlist.tables[table_id]
    assert table.status == "cleaning" and table.label is None
    floor.waitlist.table_reported(
        TableReport(table_id, 8, NOW, 6, "table", "available", label="T9", whole_table=True), NOW
    )
    assert (table.status, table.capacity, table.label) == ("available", 6, "T9")


def test_a_removed_table_stays_removed_and_requeues_its_called_party() -> None:
    floor = Floor(4)
    party = floor.join()
    floor.free(0)
    floor.waitlist.table_removed(floor.table_ids[0], 100, NOW)
    assert party.status == "waiting"
    floor.report(floor.table_ids[0], "available")  # older than the removal
    assert party.status == "waiting"


def test_table_cleared_on_the_floor_completes_the_party_and_learns_its_turn() -> None:
    floor = Floor(4)
    party = floor.join()
    floor.free(0)
    floor.waitlist.check_in(party.id, NOW)
    floor.report(floor.table_ids[0], "occupied", party_id=party.id)
    floor.report(floor.table_ids[0], "cleaning")
    assert party.status == "completed"
    assert floor.waitlist.turns.stats[2].count == 1


def test_heads_up_goes_to_the_next_fitting_party_before_the_table_frees() -> None:
    floor = Floor()
    table_id = floor.add_table(4, status="occupied")
    waiting = floor.join(2)
    expected = floor.waitlist.tables[table_id].expected_free_at
    assert expected is not None
    floor.waitlist.send_heads_ups(expected - timedelta(minutes=6))
    assert floor.events(PartyHeadsUp) == []
    floor.waitlist.send_heads_ups(expected - timedelta(minutes=5))
    floor.waitlist.send_heads_ups(expected - timedelta(minutes=4))
    heads_ups = floor.events(PartyHeadsUp)
    assert [h.party_id for h in heads_ups] == [waiting.id]
    assert heads_ups[0].minutes == 5


def test_snapshot_is_published_once_per_change() -> None:
    floor = Floor(4)
    floor.join()
    floor.waitlist.publish_snapshot(NOW)
    floor.waitlist.publish_snapshot(NOW)
    assert len(floor.events(QueueChanged)) == 1
    floor.join()
    floor.waitlist.publish_snapshot(NOW)
    snapshots = floor.events(QueueChanged)
    assert len(snapshots) == 2
    assert [e.position for e in snapshots[-1].parties] == [1, 2]


def test_settings_cannot_exceed_the_restaurants_party_size() -> None:
    floor = Floor(4)
    with pytest.raises(Invalid):
        floor.waitlist.change_settings({"max_party_size": 13}, NOW)
    floor.waitlist.change_settings({"max_party_size": 3}, NOW)
    with pytest.raises(Invalid):
        floor.join(4)
