"""The CloudEvents 1.0 envelope (JSON structured mode) every Maitred event travels in."""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from maitred_contracts.base import EventData, model_for

CONTENT_TYPE = "application/cloudevents+json"
"""AMQP content type of a message whose body is a structured-mode CloudEvent."""

EXCHANGE = "maitred.events"
"""The durable topic exchange every event is published to; the routing key is the type."""

E = TypeVar("E", bound=EventData)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event, with the Maitred extensions `restaurantid` and `sequence`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, description="Unique per event; consumers de-duplicate on it.")
    source: str = Field(min_length=1, description="The producing service, /maitred/<service>.")
    type: str = Field(
        min_length=1,
        description="<service>.<aggregate>.<happened>.v<N>; also the AMQP routing key.",
    )
    subject: str | None = Field(
        default=None, min_length=1, description="What it is about: <aggregate>/<aggregate id>."
    )
    time: Annotated[AwareDatetime, AfterValidator(_to_utc)] = Field(
        description="When it happened (RFC 3339, UTC)."
    )
    datacontenttype: Literal["application/json"] = "application/json"
    restaurantid: str | None = Field(
        default=None, min_length=1, description="Extension: the restaurant (tenant) id."
    )
    sequence: int = Field(
        ge=0, description="Extension: the event's number in its aggregate's history; increasing."
    )
    data: dict[str, Any] = Field(description="The event's data; its schema depends on type.")

    @classmethod
    def build(
        cls,
        data: EventData,
        *,
        id: str | None = None,
        time: datetime | None = None,
        sequence: int,
    ) -> Self:
        """Wrap `data`; `id` defaults to a new UUID, `time` to now."""
        event_type = getattr(data, "event_type", None)
        if event_type is None or model_for(event_type) is not type(data):
            raise TypeError(f"{type(data).__name__} is not a registered event type")
        return cls(
            id=id if id is not None else str(uuid.uuid4()),
            source=data.source(),
            type=event_type,
            subject=data.subject(),
            time=time if time is not None else datetime.now(UTC),
            restaurantid=str(data.restaurant_id),
            sequence=sequence,
            data=data.model_dump(mode="json"),
        )

    def to_json(self) -> bytes:
        """The structured-mode JSON body (absent optional attributes are left out)."""
        unset = {name for name in ("subject", "restaurantid") if getattr(self, name) is None}
        return self.model_dump_json(exclude=unset).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Self:
        """Parse a structured-mode JSON body; raises pydantic.ValidationError when invalid."""
        return cls.model_validate_json(raw)

    def parsed(self) -> EventData | None:
        """The data validated by the model registered for `type`; None for an unknown type.

        Raises pydantic.ValidationError when the data does not fit the model.
        """
        model = model_for(self.type)
        return None if model is None else model.model_validate(self.data)

    def parsed_as(self, model: builtins.type[E]) -> E:
        """The data validated by `model`, which must be the model registered for `type`."""
        if model_for(self.type) is not model:
            raise TypeError(f"event of type {self.type!r} is not a {model.__name__}")
        return model.model_validate(self.data)
