"""Staff accounts: what a valid e-mail and password are."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Literal

Role = Literal["owner", "host"]
ROLES: tuple[Role, ...] = ("owner", "host")

MIN_PASSWORD = 10
MAX_PASSWORD = 128
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    if len(email) > 254 or not _EMAIL.match(email):
        return "Enter a valid e-mail address."
    return None


def password_problem(password: str, email: str) -> str | None:
    """The first rule the password breaks, in words a person can act on; None when fine."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    if len(set(password)) < 4:
        return "Use a less repetitive password."
    if password.strip().lower() == email.lower() or password.lower() in email.lower():
        return "The password must not be your e-mail address."
    return None


@dataclass(frozen=True)
class Staff:
    id: uuid.UUID
    email: str
    name: str
    password_hash: str
