"""What a rule says when it refuses: bad input (422) or the wrong state for the action (409)."""

from __future__ import annotations


class RuleViolation(Exception):
    """The request breaks a rule of the restaurant; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StateConflict(Exception):
    """The action does not fit the current state (slot taken, wrong status)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LabelTaken(StateConflict):
    """Another table on the floor already has this label."""

    def __init__(self) -> None:
        super().__init__("A table with this label is already on the floor.")
