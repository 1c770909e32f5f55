"""Request bodies of the waitlist's HTTP API, with the limits a request must respect."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from maitred_platform.phones import E164Phone
from waitlist.domain.party import Preference
from waitlist.domain.settings import (
    CHECKIN_TIMEOUT_RANGE,
    HEADS_UP_RANGE,
    MAX_PASSED_OVER_RANGE,
    PARTY_SIZE_RANGE,
    Mode,
)
from waitlist.domain.strategies import Strategy


class JoinBody(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    party_size: int = Field(ge=1, description="People in the party.")
    phone: E164Phone | None = Field(default=None, description="E.164, e.g. +14155550123.")
    preference: Preference = "any"


class TableChoice(BaseModel):
    table_id: uuid.UUID | None = Field(default=None, description="A table chosen by the host.")


class SettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: bool | None = None
    mode: Mode | None = None
    strategy: Strategy | None = None
    checkin_timeout_seconds: int | None = Field(
        default=None, ge=CHECKIN_TIMEOUT_RANGE[0], le=CHECKIN_TIMEOUT_RANGE[1]
    )
    max_party_size: int | None = Field(
        default=None,
        ge=PARTY_SIZE_RANGE[0],
        le=PARTY_SIZE_RANGE[1],
        description="null follows the restaurant's own maximum.",
    )
    heads_up_minutes: int | None = Field(
        default=None, ge=HEADS_UP_RANGE[0], le=HEADS_UP_RANGE[1], description="0 turns it off."
    )
    requeue_once: bool | None = None
    max_passed_over: int | None = Field(
        default=None, ge=MAX_PASSED_OVER_RANGE[0], le=MAX_PASSED_OVER_RANGE[1]
    )

    @model_validator(mode="after")
    def _only_party_size_may_be_null(self) -> SettingsPatch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name != "max_party_size":
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class TokenBody(BaseModel):
    token: str = Field(min_length=1, max_length=200)
