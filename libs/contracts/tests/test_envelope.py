"""The CloudEvents envelope: building, JSON round trip, parsing the data."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from maitred_contracts import (
    CONTENT_TYPE,
    CloudEvent,
    PartyCalled,
    PartyJoined,
    TableStatusChanged,
)


def test_build_sets_source_type_subject_and_restaurantid_from_the_model() -> None:
    data = PartyJoined.example()

    event = CloudEvent.build(data, sequence=1)

    assert event.specversion == "1.0"
    assert event.source == "/maitred/waitlist"
    assert event.type == "waitlist.party.joined.v1"
    assert event.subject == f"party/{data.party_id}"
    assert event.restaurantid == str(data.restaurant_id)
    assert event.datacontenttype == "application/json"
    assert event.data == data.model_dump(mode="json")


def test_build_subject_uses_the_aggregate_id_field() -> None:
    data = TableStatusChanged.example()

    event = CloudEvent.build(data, sequence=4)

    assert event.subject == f"table/{data.table_id}"
    assert event.restaurantid == str(data.restaurant_id)
    assert event.sequence == 4


def test_build_defaults_id_to_a_new_uuid_and_time_to_now_utc() -> None:
    before = datetime.now(UTC)
    first = CloudEvent.build(PartyJoined.example(), sequence=1)
    second = CloudEvent.build(PartyJoined.example(), sequence=2)

    assert uuid.UUID(first.id) != uuid.UUID(second.id)
    assert first.time.utcoffset() == timedelta(0)
    assert before <= first.time <= datetime.now(UTC)


def test_build_keeps_a_given_id_and_time() -> None:
    time = datetime(2025, 6, 14, 19, 30, tzinfo=timezone(timedelta(hours=2)))

    event = CloudEvent.build(PartyJoined.example(), id="abc", time=time, sequence=1)

    assert event.id == "abc"
    assert event.time == time
    assert event.time.utcoffset() == timedelta(0)


def test_naive_time_is_rejected() -> None:
    with pytest.raises(ValidationError):
        CloudEvent.build(PartyJoined.example(), time=datetime(2025, 6, 14, 19, 30), sequence=1)


def test_envelope_json_round_trip_is_lossless() -> None:
    event = CloudEvent.build(PartyCalled.example(), sequence=12)

    raw = event.to_json()

    assert isinstance(raw, bytes)
    assert CloudEvent.from_json(raw) == event
    assert CloudEvent.from_json(raw.decode()) == event
    assert CloudEvent.from_json(raw).parsed() == PartyCalled.example()


def test_to_json_is_structured_mode_with_an_rfc3339_utc_time() -> None:
    time = datetime(2025, 6, 14, 17, 30, 0, 250000, tzinfo=UTC)
    doc = json.loads(CloudEvent.build(PartyJoined.example(), time=time, sequence=1).to_json())

    assert list(doc)[:4] == ["specversion", "id", "source", "type"]
    assert doc["time"] == "2025-06-14T17:30:00.250000Z"
    assert isinstance(doc["data"], dict)
    assert CONTENT_TYPE == "application/cloudevents+json"


def test_to_json_leaves_out_absent_optional_attributes() -> None:
    event = CloudEvent(
        id="1", source="/x", type="x.y.z.v1", time=datetime.now(UTC), sequence=0, data={"k": None}
    )

    doc = json.loads(event.to_json())

    assert "subject" not in doc
    assert "restaurantid" not in doc
    assert doc["data"] == {"k": None}


def test_unknown_fields_in_data_are_ignored_by_parsed() -> None:
    event = CloudEvent.build(PartyJoined.example(), sequence=1)
    doc = json.loads(event.to_json())
    doc["data"]["loyalty_tier"] = "gold"
    doc["data"]["added_in_a_later_release"] = {"nested": [1, 2]}
    doc["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    parsed = CloudEvent.from_json(json.dumps(doc)).parsed()

    assert parsed == PartyJoined.example()
    assert not hasattr(parsed, "loyalty_tier")


def test_unknown_type_gives_parsed_none() -> None:
    event = CloudEvent(
        id="1",
        source="/maitred/pos",
        type="pos.check.closed.v1",
        time=datetime.now(UTC),
        sequence=1,
        data={"anything": 1},
    )

    assert event.parsed() is None


def test_parsed_rejects_data_that_does_not_fit_the_model() -> None:
    doc = json.loads(CloudEvent.build(PartyJoined.example(), sequence=1).to_json())
    doc["data"]["party_size"] = 0

    with pytest.raises(ValidationError):
        CloudEvent.from_json(json.dumps(doc)).parsed()


def test_parsed_as_returns_the_typed_model_and_refuses_another_type() -> None:
    event = CloudEvent.build(PartyCalled.example(), sequence=1)

    assert event.parsed_as(PartyCalled) == PartyCalled.example()
    with pytest.raises(TypeError):
        event.parsed_as(PartyJoined)


@pytest.mark.parametrize(
    "change",
    [{"specversion": "0.3"}, {"id": ""}, {"time": "2025-06-14T17:30:00"}, {"sequence": -1}],
)
def test_from_json_rejects_invalid_envelopes(change: dict[str, object]) -> None:
    doc = json.loads(CloudEvent.build(PartyJoined.example(), sequence=1).to_json())
    doc.update(change)

    with pytest.raises(ValidationError):
        CloudEvent.from_json(json.dumps(doc))
