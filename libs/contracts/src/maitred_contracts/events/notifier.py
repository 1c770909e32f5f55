"""Events published by the notifier service: messages for diners and staff, and deliveries."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal, Self

from pydantic import Field

from maitred_contracts.base import EventData
from maitred_contracts.events import _samples as s


class _NotificationEvent(EventData):
    aggregate: ClassVar[str] = "notification"
    aggregate_id_field: ClassVar[str] = "notification_id"

    notification_id: uuid.UUID


class NotificationCreated(_NotificationEvent):
    """A message for a diner or for staff, to show in realtime and send on its channels."""

    event_type: ClassVar[str] = "notifier.notification.created.v1"

    audience: Literal["party", "restaurant"] = Field(
        description="party: one diner (party:{id} channel); restaurant: its staff."
    )
    party_id: uuid.UUID | None = Field(default=None, description="The diner's party, if any.")
    reservation_id: uuid.UUID | None = Field(default=None, description="The booking, if any.")
    kind: str = Field(description="Name of the rule that made it, e.g. party_called.")
    title: str
    body: str
    channels: list[str] = Field(description="Where it is sent, e.g. realtime, sms, email.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            notification_id=s.NOTIFICATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            audience="party",
            party_id=s.PARTY_ID,
            kind="party_called",
            title="Your table is ready",
            body="Table T4 is ready for you at Le Petit Zinc. Please check in by 20:05.",
            channels=["realtime", "sms"],
        )


class NotificationDelivered(_NotificationEvent):
    """A notification was delivered on one channel."""

    event_type: ClassVar[str] = "notifier.notification.delivered.v1"

    channel: str = Field(description="e.g. realtime, sms, email.")
    attempts: int = Field(ge=1, description="Attempts it took, this one included.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            notification_id=s.NOTIFICATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            channel="sms",
            attempts=1,
        )


class NotificationFailed(_NotificationEvent):
    """Delivering a notification on one channel failed, after `attempts` tries."""

    event_type: ClassVar[str] = "notifier.notification.failed.v1"

    channel: str = Field(description="e.g. realtime, sms, email.")
    attempts: int = Field(ge=1, description="Attempts made.")
    reason: str = Field(description="Why the last attempt failed, e.g. opted_out.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            notification_id=s.NOTIFICATION_ID,
            restaurant_id=s.RESTAURANT_ID,
            channel="sms",
            attempts=5,
            reason="provider_unavailable",
        )
