"""The one place the notifier's domain events become versioned wire contracts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maitred_contracts import (
    EventData,
    NotificationCreated,
    NotificationDelivered,
    NotificationFailed,
)
from notifier.domain import events


def _created(event: events.NotificationCreated) -> EventData:
    return NotificationCreated(
        notification_id=event.notification_id,
        restaurant_id=event.restaurant_id,
        audience=event.audience,
        party_id=event.party_id,
        reservation_id=event.reservation_id,
        kind=event.kind,
        title=event.title,
        body=event.body,
        channels=list(event.channels),
    )


def _delivered(event: events.NotificationDelivered) -> EventData:
    return NotificationDelivered(
        notification_id=event.notification_id,
        restaurant_id=event.restaurant_id,
        channel=event.channel,
        attempts=event.attempts,
    )


def _failed(event: events.NotificationFailed) -> EventData:
    return NotificationFailed(
        notification_id=event.notification_id,
        restaurant_id=event.restaurant_id,
        channel=event.channel,
        attempts=event.attempts,
        reason=event.reason,
    )


CONTRACTS: dict[type, Callable[[Any], EventData]] = {
    events.NotificationCreated: _created,
    events.NotificationDelivered: _delivered,
    events.NotificationFailed: _failed,
}


def to_contract(event: object) -> EventData:
    build = CONTRACTS.get(type(event))
    if build is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return build(event)
