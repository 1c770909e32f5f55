"""Which channels an event reaches, with what data; who may subscribe."""

from __future__ import annotations

import uuid

from gateway.domain.channels import Channel, Subscriber, deliveries, parse_channel
from maitred_contracts import CloudEvent, PartyJoined, ReservationLookupRequested
from tests.integration.realtime_helpers import notification_for, queue_changed, table_changed


def test_party_joined_goes_to_restaurant_and_party_without_phone() -> None:
    event = CloudEvent.build(PartyJoined.example(), sequence=1)
    sent = deliveries(event)
    assert [d.channel for d in sent] == [
        f"restaurant:{event.restaurantid}",
        f"party:{event.data['party_id']}",
    ]
    assert all("phone" not in d.message["data"] for d in sent)
    assert all(d.message["id"] == event.id for d in sent)


def test_queue_snapshot_gives_each_party_only_its_own_line() -> None:
    rid, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sent = {d.channel: d.message["data"] for d in deliveries(queue_changed(rid, first, second))}
    assert set(sent) == {f"restaurant:{rid}", f"party:{first}", f"party:{second}"}
    assert sent[f"party:{second}"]["position"] == 2
    assert "parties" not in sent[f"party:{second}"]


def test_notification_for_a_party_reaches_that_party() -> None:
    rid, pid = uuid.uuid4(), uuid.uuid4()
    channels = [d.channel for d in deliveries(notification_for(rid, pid))]
    assert channels == [f"restaurant:{rid}", f"party:{pid}"]


def test_table_events_reach_only_the_restaurant_and_lookups_reach_nobody() -> None:
    rid = uuid.uuid4()
    assert [d.channel for d in deliveries(table_changed(rid))] == [f"restaurant:{rid}"]
    lookup = CloudEvent.build(ReservationLookupRequested.example(), sequence=1)
    assert deliveries(lookup) == []


def test_subscriptions_are_limited_to_what_the_credential_covers() -> None:
    rid, pid = uuid.uuid4(), uuid.uuid4()
    staff = Subscriber(restaurants=frozenset({rid}))
    party = Subscriber(party_id=pid)
    assert staff.may_subscribe(Channel("restaurant", rid))
    assert not staff.may_subscribe(Channel("restaurant", uuid.uuid4()))
    assert not staff.may_subscribe(Channel("party", pid))
    assert party.may_subscribe(Channel("party", pid))
    assert not party.may_subscribe(Channel("party", uuid.uuid4()))
    assert not party.may_subscribe(Channel("restaurant", rid))
    assert parse_channel("restaurant:nope") is None and parse_channel("table:" + str(rid)) is None
