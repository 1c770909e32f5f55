"""What a diner's SMS reply means: the carrier-standard opt-out and opt-in keywords."""

from __future__ import annotations

from typing import Literal

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})


def reply_intent(body: str) -> Literal["stop", "start"] | None:
    """`stop` or `start` when the reply is one of the keywords (alone, any case), else None."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
