"""Other systems read our events with the official CloudEvents SDK, whatever its version."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from maitred_contracts import EVENT_TYPES, CloudEvent

Reader = Callable[[bytes], tuple[dict[str, Any], Any]]


def _core_reader() -> Reader | None:
    """cloudevents >= 2: the `cloudevents.core` API."""
    try:
        json_format = importlib.import_module("cloudevents.core.formats.json")
    except ImportError:
        return None

    def read(raw: bytes) -> tuple[dict[str, Any], Any]:
        event = json_format.JSONFormat().read(None, raw)
        return dict(event.get_attributes()), event.get_data()

    return read


def _http_reader() -> Reader | None:
    """`from_json` of cloudevents 1.x (`cloudevents.http`), kept as `cloudevents.v1.http` in 2.x."""
    for module_name in ("cloudevents.http", "cloudevents.v1.http"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue

        def read(raw: bytes, from_json: Any = module.from_json) -> tuple[dict[str, Any], Any]:
            event = from_json(raw)
            return dict(event.get_attributes()), event.data

        return read
    return None


READERS = {
    name: reader
    for name, reader in (("core", _core_reader()), ("http.from_json", _http_reader()))
    if reader is not None
}


def test_some_cloudevents_sdk_reader_is_available() -> None:
    assert READERS, "cloudevents>=1.11 should offer cloudevents.http or cloudevents.core"


@pytest.mark.parametrize("reader_name", sorted(READERS))
@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_example_event_parses_with_the_cloudevents_sdk(
    event_type: str, reader_name: str
) -> None:
    data = EVENT_TYPES[event_type].example()
    time = datetime(2025, 6, 14, 17, 30, 5, 123000, tzinfo=UTC)
    event = CloudEvent.build(data, id="evt-1", time=time, sequence=7)

    attributes, sdk_data = READERS[reader_name](event.to_json())

    assert attributes["specversion"] == "1.0"
    assert attributes["id"] == "evt-1"
    assert attributes["source"] == data.source()
    assert attributes["type"] == event_type
    assert attributes["subject"] == data.subject()
    assert attributes["restaurantid"] == str(data.restaurant_id)
    assert attributes["sequence"] == 7
    assert attributes["datacontenttype"] == "application/json"
    sdk_time = attributes["time"]
    if isinstance(sdk_time, str):
        sdk_time = datetime.fromisoformat(sdk_time.replace("Z", "+00:00"))
    assert sdk_time == time
    assert sdk_data == data.model_dump(mode="json")


def test_an_event_written_by_the_cloudevents_sdk_is_read_by_the_envelope() -> None:
    # The locked SDK (2.x) has the `cloudevents.core` API: missing, this fails, never skips.
    core = importlib.import_module("cloudevents.core.v1.event")
    json_format = importlib.import_module("cloudevents.core.formats.json")
    data = EVENT_TYPES["waitlist.party.called.v1"].example()
    attributes = {
        "id": "from-sdk",
        "source": data.source(),
        "type": data.event_type,
        "subject": data.subject(),
        "time": datetime(2025, 6, 14, 17, 55, tzinfo=UTC),
        "datacontenttype": "application/json",
        "restaurantid": str(data.restaurant_id),
        "sequence": 2,
    }
    raw = json_format.JSONFormat().write(core.CloudEvent(attributes, data.model_dump(mode="json")))

    event = CloudEvent.from_json(raw)

    assert event.id == "from-sdk"
    assert event.sequence == 2
    assert event.time == attributes["time"]
    assert event.parsed() == data
