"""The checked-in AsyncAPI document is generated from the models and stays in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from maitred_contracts import EVENT_TYPES, CloudEvent
from maitred_contracts.asyncapi import generate, main, render

DOCUMENT = Path(__file__).resolve().parents[1] / "asyncapi.yaml"


def test_committed_asyncapi_document_is_up_to_date() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), (
        "libs/contracts/asyncapi.yaml is out of date: run `make asyncapi` and commit the result"
    )


def test_rendering_is_deterministic_and_is_the_generated_document() -> None:
    assert render() == render()
    assert yaml.safe_load(render()) == generate()


def test_document_has_one_channel_message_and_receive_operation_per_type() -> None:
    doc = generate()

    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] == "Maitred events"
    assert doc["servers"]["local"] == {
        "host": "localhost:5672",
        "protocol": "amqp",
        "protocolVersion": "0.9.1",
        "description": doc["servers"]["local"]["description"],
    }
    assert set(doc["channels"]) == set(EVENT_TYPES)
    for event_type, model in EVENT_TYPES.items():
        channel = doc["channels"][event_type]
        assert channel["address"] == event_type
        amqp = channel["bindings"]["amqp"]
        assert amqp["is"] == "routingKey"
        assert amqp["exchange"] == {
            "name": "maitred.events",
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "/",
        }
        message = doc["components"]["messages"][model.__name__]
        assert message["contentType"] == "application/cloudevents+json"
        operation = doc["operations"][f"on{model.__name__}"]
        assert operation["action"] == "receive"
        assert operation["channel"] == {"$ref": f"#/channels/{event_type}"}


def test_every_reference_in_the_document_resolves() -> None:
    doc = generate()
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
    assert not any("$defs" in ref for ref in refs)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_message_example_is_a_full_valid_cloudevent(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    message = generate()["components"]["messages"][model.__name__]

    payload = message["examples"][0]["payload"]
    event = CloudEvent.model_validate(payload)

    assert event.type == event_type
    assert event.parsed() == model.example()
    assert message["payload"]["allOf"][1]["properties"]["data"] == {
        "$ref": f"#/components/schemas/{model.__name__}"
    }


def test_check_flag_passes_on_the_current_document_and_fails_on_a_stale_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = tmp_path / "current.yaml"
    current.write_text(render(), encoding="utf-8")
    stale = tmp_path / "stale.yaml"
    stale.write_text(render().replace("Maitred events", "Old events"), encoding="utf-8")

    assert main(["--check", str(current)]) == 0
    assert main(["--check", str(stale)]) == 1
    assert main(["--check", str(tmp_path / "missing.yaml")]) == 1
    assert "make asyncapi" in capsys.readouterr().err


def test_main_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render()
