"""Value types shared by the event models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"

Phone = Annotated[str, StringConstraints(pattern=E164_PATTERN)]
"""A phone number in E.164 form, e.g. `+33612345678`."""

HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
"""A local wall-clock time `HH:MM` (24 h)."""

PartySize = Annotated[int, Field(ge=1)]
Minutes = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Position = Annotated[int, Field(ge=1)]

TableStatus = Literal["available", "held", "occupied", "cleaning", "out_of_service"]
TableKind = Literal["table", "counter"]
SeatingPreference = Literal["table", "counter", "any"]
Actor = Literal["diner", "staff"]
