"""What a caller asks of the gateway's own use cases, built by the routes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gateway.domain.accounts import Role
from maitred_platform.principal import Principal


@dataclass(frozen=True)
class Register:
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class LogIn:
    email: str
    password: str


@dataclass(frozen=True)
class AddMember:
    caller: Principal
    restaurant_id: uuid.UUID
    email: str
    role: Role


@dataclass(frozen=True)
class OpenRestaurant:
    """A staff member's `POST /v1/restaurants`, already admitted by the proxy."""

    staff_id: uuid.UUID
