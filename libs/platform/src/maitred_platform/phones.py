"""Phone numbers are E.164, validated with libphonenumber, and masked wherever shown."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator


def normalize_e164(value: str) -> str:
    if not value.startswith("+"):
        raise ValueError("phone must be in E.164 format, e.g. +14155550123")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("phone must be in E.164 format, e.g. +14155550123") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "…" + value[-2:]


E164Phone = Annotated[str, AfterValidator(normalize_e164)]
