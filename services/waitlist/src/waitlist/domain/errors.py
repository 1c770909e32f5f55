"""What can go wrong with a request to the waitlist, in the restaurant's words."""

from __future__ import annotations


class WaitlistError(Exception):
    """Base of every refusal; the entrypoints turn each kind into a problem answer."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(WaitlistError):
    """No such restaurant, party or table (or not one the caller may see)."""


class Conflict(WaitlistError):
    """The request does not fit the current state: list closed, already waiting, not called..."""


class Invalid(WaitlistError):
    """The request can never succeed as written: a party too large, a setting out of range."""
