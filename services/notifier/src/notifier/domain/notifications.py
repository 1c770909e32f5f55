"""A notification (one message for one recipient) and its deliveries, one per channel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from notifier.domain.events import NotificationCreated
from notifier.domain.rules import Audience, Channel, Rule
from notifier.domain.templates import Rendered


@dataclass(frozen=True)
class Recipient:
    """Who a message is for; `key` makes (event, rule, recipient) unique."""

    key: str
    party_id: uuid.UUID | None = None
    reservation_id: uuid.UUID | None = None
    phone: str | None = None


@dataclass
class Delivery:
    """Sending a notification on one channel, or an event to one webhook."""

    id: uuid.UUID
    restaurant_id: uuid.UUID
    channel: str  # realtime | sms | email | webhook
    status: str  # pending | sending | delivered | failed | skipped
    next_attempt_at: datetime
    attempts: int = 0
    destination: str | None = None
    notification_id: uuid.UUID | None = None
    webhook_id: uuid.UUID | None = None
    event_id: str | None = None
    payload: str | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def skip(self, reason: str) -> None:
        self.status, self.last_error = "skipped", reason


@dataclass
class Notification:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    event_id: str
    kind: str
    recipient: str
    audience: Audience
    party_id: uuid.UUID | None
    reservation_id: uuid.UUID | None
    title: str
    body: str
    template_error: str | None
    created_at: datetime
    deliveries: list[Delivery] = field(default_factory=list)
    events: list[object] = field(default_factory=list)

    @classmethod
    def make(
        cls,
        rule: Rule,
        rendered: Rendered,
        *,
        event_id: str,
        restaurant_id: uuid.UUID,
        restaurant_email: str | None,
        channels: tuple[Channel, ...],
        recipient: Recipient,
        now: datetime,
    ) -> Notification:
        """The message and a delivery per channel it can go out on; realtime raises the event."""
        made = cls(
            id=uuid.uuid4(),
            restaurant_id=restaurant_id,
            event_id=event_id,
            kind=rule.kind,
            recipient=recipient.key,
            audience=rule.audience,
            party_id=recipient.party_id,
            reservation_id=recipient.reservation_id,
            title=rendered.title,
            body=rendered.body,
            template_error=rendered.error,
            created_at=now,
        )
        for channel in channels:
            delivery = Delivery(
                id=uuid.uuid4(),
                restaurant_id=restaurant_id,
                notification_id=made.id,
                channel=channel,
                status="pending",
                next_attempt_at=now,
            )
            if channel == "realtime":
                if rule.audience == "party" and recipient.party_id is None:
                    continue  # a booking has no realtime channel of its own
                # The outbox is the delivery: the event leaves when the unit of work commits.
                delivery.status, delivery.attempts, delivery.delivered_at = "delivered", 1, now
            elif channel == "sms":
                if not recipient.phone:
                    continue
                delivery.destination = recipient.phone
            elif channel == "email":
                if not restaurant_email:
                    continue
                delivery.destination = restaurant_email
            made.deliveries.append(delivery)
        if made.on("realtime") is not None:
            made.events.append(
                NotificationCreated(
                    notification_id=made.id,
                    restaurant_id=restaurant_id,
                    audience=rule.audience,
                    party_id=recipient.party_id,
                    reservation_id=recipient.reservation_id,
                    kind=rule.kind,
                    title=made.title,
                    body=made.body,
                    channels=tuple(d.channel for d in made.deliveries),
                )
            )
        return made

    def on(self, channel: str) -> Delivery | None:
        """Its delivery on `channel`, if it goes out there."""
        return next((d for d in self.deliveries if d.channel == channel), None)
