"""The event data models and their registry."""

from __future__ import annotations

import re
import uuid
from typing import ClassVar

import pytest
from pydantic import ValidationError

import maitred_contracts
from maitred_contracts import (
    EVENT_TYPES,
    EventData,
    PartyJoined,
    QueueChanged,
    ReservationLookupRequested,
    RestaurantCreated,
    model_for,
)

TYPE_NAME = re.compile(r"^(reservations|waitlist|notifier)\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
ALL_TYPES = sorted(EVENT_TYPES)


def test_importing_the_package_registers_the_catalogue() -> None:
    services = {name.split(".", 1)[0] for name in EVENT_TYPES}
    assert services == {"reservations", "waitlist", "notifier"}
    assert len(EVENT_TYPES) == 29
    for event_type in (
        "waitlist.party.called.v1",
        "reservations.table.status_changed.v1",
        "notifier.notification.created.v1",
        "waitlist.queue.changed.v1",
    ):
        assert event_type in EVENT_TYPES


def test_every_registered_model_is_exported_by_the_package() -> None:
    for model in EVENT_TYPES.values():
        assert getattr(maitred_contracts, model.__name__) is model
        assert model.__name__ in maitred_contracts.__all__


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_type_name_is_versioned_and_starts_with_its_source_service(event_type: str) -> None:
    model = EVENT_TYPES[event_type]

    assert TYPE_NAME.match(event_type)
    assert model.event_type == event_type
    assert model.source() == "/maitred/" + event_type.split(".", 1)[0]


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_is_valid_and_has_a_subject_of_its_aggregate(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    example = model.example()

    assert type(example) is model
    assert model.model_validate(example.model_dump(mode="json")) == example
    assert example.subject() == f"{model.aggregate}/{getattr(example, model.aggregate_id_field)}"
    assert (model.__doc__ or "").strip()


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_a_model_missing_restaurant_id_is_rejected(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    payload = model.example().model_dump(mode="json")
    del payload["restaurant_id"]

    with pytest.raises(ValidationError, match="restaurant_id"):
        model.model_validate(payload)


def test_model_for_finds_registered_types_and_not_unknown_ones() -> None:
    assert model_for("waitlist.party.joined.v1") is PartyJoined
    assert model_for("waitlist.party.joined.v2") is None


def test_defining_a_duplicate_type_name_raises() -> None:
    with pytest.raises(TypeError, match="defined twice"):

        class AnotherPartyJoined(EventData):
            """Same name as PartyJoined."""

            event_type: ClassVar[str] = "waitlist.party.joined.v1"
            aggregate: ClassVar[str] = "party"
            aggregate_id_field: ClassVar[str] = "party_id"

            party_id: uuid.UUID

    assert EVENT_TYPES["waitlist.party.joined.v1"] is PartyJoined


def test_defining_a_badly_named_type_raises() -> None:
    with pytest.raises(TypeError, match="not <service>"):

        class Unversioned(EventData):
            """No version."""

            event_type: ClassVar[str] = "waitlist.party.joined"
            aggregate: ClassVar[str] = "party"
            aggregate_id_field: ClassVar[str] = "restaurant_id"

    assert "waitlist.party.joined" not in EVENT_TYPES


def test_models_are_frozen() -> None:
    example = PartyJoined.example()

    with pytest.raises(ValidationError):
        example.party_size = 3  # type: ignore[misc]


def test_phone_must_be_e164() -> None:
    payload = PartyJoined.example().model_dump(mode="json")
    payload["phone"] = "06 12 34 56 78"

    with pytest.raises(ValidationError, match="phone"):
        PartyJoined.model_validate(payload)
    payload["phone"] = None
    assert PartyJoined.model_validate(payload).phone is None


def test_datetimes_must_be_timezone_aware() -> None:
    payload = PartyJoined.example().model_dump(mode="json")
    payload["joined_at"] = "2025-06-14T19:30:00"

    with pytest.raises(ValidationError, match="joined_at"):
        PartyJoined.model_validate(payload)


def test_obvious_numeric_bounds_are_enforced() -> None:
    payload = PartyJoined.example().model_dump(mode="json")
    with pytest.raises(ValidationError):
        PartyJoined.model_validate({**payload, "party_size": 0})
    with pytest.raises(ValidationError):
        PartyJoined.model_validate({**payload, "estimated_wait_minutes": -1})
    restaurant = RestaurantCreated.example().model_dump(mode="json")
    restaurant["opening_hours"][0]["weekday"] = 7
    with pytest.raises(ValidationError):
        RestaurantCreated.model_validate(restaurant)


def test_aggregates_whose_id_is_the_restaurant_use_it_as_subject() -> None:
    queue = QueueChanged.example()
    lookup = ReservationLookupRequested.example()

    assert queue.subject() == f"queue/{queue.restaurant_id}"
    assert lookup.subject() == f"restaurant/{lookup.restaurant_id}"
    assert queue.aggregate_id() == str(queue.restaurant_id)
