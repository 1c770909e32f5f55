"""The base class of every event's data, and the registry of event types."""

from __future__ import annotations

import re
import uuid
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

TYPE_NAME_PATTERN = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
"""`<service>.<aggregate>.<happened>.v<N>`, e.g. `waitlist.party.called.v1`."""

EVENT_TYPES: dict[str, type[EventData]] = {}
"""Every registered event type name -> its data model, filled as the models are defined."""


class EventItem(BaseModel):
    """Base of the nested objects inside event data; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(BaseModel):
    """Base of every event's `data`.

    A concrete subclass sets `event_type`, `aggregate` and `aggregate_id_field`, documents the
    event in its docstring and overrides `example()`. Defining it registers it in
    `EVENT_TYPES`. A subclass that does not set `event_type` itself is an abstract helper
    (shared fields) and is not registered.

    Within a version, changes are additive only: consumers ignore fields they do not know.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    aggregate: ClassVar[str]
    aggregate_id_field: ClassVar[str]

    restaurant_id: uuid.UUID = Field(description="The restaurant (tenant) the event belongs to.")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _register(cls)

    def aggregate_id(self) -> str:
        """The id of the aggregate the event is about (a party, a table, ...)."""
        return str(getattr(self, self.aggregate_id_field))

    def subject(self) -> str:
        """The CloudEvents `subject`: `<aggregate>/<aggregate id>`, e.g. `party/<uuid>`."""
        return f"{self.aggregate}/{self.aggregate_id()}"

    @classmethod
    def source(cls) -> str:
        """The CloudEvents `source`: `/maitred/<service>`, e.g. `/maitred/waitlist`."""
        return "/maitred/" + cls.event_type.split(".", 1)[0]

    @classmethod
    def example(cls) -> Self:
        """A realistic valid instance, used in the AsyncAPI document and in tests."""
        raise TypeError(f"every event type must define example(); {cls.__name__} does not")


def _register(cls: type[EventData]) -> None:
    name = cls.event_type
    if not TYPE_NAME_PATTERN.match(name):
        raise TypeError(f"{cls.__name__}: {name!r} is not <service>.<aggregate>.<happened>.v<N>")
    for attribute in ("aggregate", "aggregate_id_field"):
        if not isinstance(getattr(cls, attribute, None), str):
            raise TypeError(f"{cls.__name__}: {attribute} is not set")
    if cls.aggregate_id_field not in cls.model_fields:
        raise TypeError(f"{cls.__name__}: {cls.aggregate_id_field!r} is not a field")
    if not (cls.__doc__ or "").strip():
        raise TypeError(f"{cls.__name__}: the docstring (the event's description) is missing")
    existing = EVENT_TYPES.get(name)
    if existing is not None:
        both = f"{existing.__module__}.{existing.__qualname__}, {cls.__module__}.{cls.__qualname__}"
        raise TypeError(f"event type {name!r} is defined twice: {both}")
    EVENT_TYPES[name] = cls


def model_for(event_type: str) -> type[EventData] | None:
    """The data model registered for `event_type`, or None for an unknown type."""
    return EVENT_TYPES.get(event_type)
