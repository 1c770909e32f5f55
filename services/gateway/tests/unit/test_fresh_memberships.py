"""A membership made a moment ago is never refused because of a cached list."""

from __future__ import annotations

import uuid

from gateway.service.identity import Caller, Identities, StaffIdentity


class CountingIdentities(Identities):
    def __init__(self, stored: dict[uuid.UUID, str]) -> None:
        super().__init__(sessions=None, ring=None, internal_key="k" * 40, cache_seconds=60)  # type: ignore[arg-type]
        self.stored = stored
        self.loads = 0

    async def _memberships(self, staff_id):  # the database, as it is now
        self.loads += 1
        return dict(self.stored), "header"


async def test_a_restaurant_missing_from_cached_memberships_is_looked_up_again():
    staff_id, old, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    identities = CountingIdentities({old: "owner", new: "owner"})
    cached = Caller(StaffIdentity(staff_id, {old: "owner"}, "stale", 0), None, "127.0.0.1")
    fresh = await identities.with_fresh_memberships(cached, new)
    assert fresh.staff is not None and fresh.staff.is_staff_of(new)
    assert identities.loads == 1


async def test_a_known_restaurant_costs_no_lookup_and_a_foreign_one_stays_refused():
    staff_id, mine, theirs = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    identities = CountingIdentities({mine: "host"})
    caller = Caller(StaffIdentity(staff_id, {mine: "host"}, "h", 0), None, "127.0.0.1")
    assert await identities.with_fresh_memberships(caller, mine) is caller
    assert identities.loads == 0
    refused = await identities.with_fresh_memberships(caller, theirs)
    assert refused.staff is not None and not refused.staff.is_staff_of(theirs)
