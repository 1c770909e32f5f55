"""Booking reminders: when one is due, if at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

REMINDER = "booking_reminder"


@dataclass(frozen=True)
class DueReminder:
    id: uuid.UUID
    reservation_id: uuid.UUID


def reminder_due_at(starts_at: datetime, minutes_before: int, now: datetime) -> datetime | None:
    """When to remind the diner; None when reminders are off or the booking is too close
    (booked at short notice, the confirmation is the reminder)."""
    if minutes_before <= 0:
        return None
    due_at = starts_at - timedelta(minutes=minutes_before)
    return due_at if due_at > now else None
