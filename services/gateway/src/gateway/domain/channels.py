"""Realtime channels: who may subscribe to what, and which events each channel receives.

`restaurant:{rid}` (staff of that restaurant) gets queue, floor, booking and notification
events of the restaurant. `party:{pid}` (that party's token) gets the party's own events,
its own line out of each queue snapshot, and notifications addressed to it.
Phone numbers are removed from everything sent to a channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from maitred_contracts import CloudEvent

QUEUE_CHANGED = "waitlist.queue.changed.v1"
NOTIFICATION_CREATED = "notifier.notification.created.v1"

# The event families a restaurant's channel receives. A party's channel gets events of these
# families only, so the gateway's realtime queue binds to `maitred.events` with exactly these.
RESTAURANT_EVENT_PREFIXES = (
    "waitlist.party.",
    "waitlist.queue.",
    "waitlist.waitlist.",
    "reservations.table.",
    "reservations.reservation.",
    "reservations.restaurant.updated.",
    "notifier.notification.",
)
BINDINGS = tuple(f"{prefix}#" for prefix in RESTAURANT_EVENT_PREFIXES)
# Never fanned out: asks the notifier to text a phone its bookings; nothing to show anyone.
PRIVATE_EVENTS = frozenset({"reservations.reservation.lookup_requested.v1"})

_PARTY_QUEUE_FIELDS = (
    "party_id",
    "status",
    "position",
    "parties_ahead",
    "estimated_wait_minutes",
    "estimate_low_minutes",
    "estimate_high_minutes",
)


@dataclass(frozen=True)
class Channel:
    kind: str  # "restaurant" | "party"
    id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_channel(value: object) -> Channel | None:
    if not isinstance(value, str) or len(value) > 100:
        return None
    kind, _, raw_id = value.partition(":")
    if kind not in ("restaurant", "party"):
        return None
    try:
        return Channel(kind, uuid.UUID(raw_id))
    except ValueError:
        return None


@dataclass(frozen=True)
class Subscriber:
    """What a realtime credential covers: a staff member's restaurants, or one party."""

    restaurants: frozenset[uuid.UUID] = frozenset()
    party_id: uuid.UUID | None = None

    def may_subscribe(self, channel: Channel) -> bool:
        if channel.kind == "restaurant":
            return channel.id in self.restaurants
        return self.party_id is not None and channel.id == self.party_id


@dataclass(frozen=True)
class Delivery:
    channel: str
    message: dict[str, Any]  # {"type": "event", channel, id, event, time, data}


def deliveries(event: CloudEvent) -> list[Delivery]:
    """Every channel message one event produces, in the order they should be sent."""
    if event.type in PRIVATE_EVENTS or not event.restaurantid:
        return []
    out: list[Delivery] = []
    if event.type.startswith(RESTAURANT_EVENT_PREFIXES):
        out.append(_delivery(event, f"restaurant:{event.restaurantid}", event.data))
    out.extend(_party_deliveries(event))
    return out


def _party_deliveries(event: CloudEvent) -> list[Delivery]:
    data = event.data
    if event.type == QUEUE_CHANGED:
        return [
            _delivery(event, f"party:{entry['party_id']}", party_view(data, entry))
            for entry in data.get("parties", [])
            if isinstance(entry, dict) and entry.get("party_id")
        ]
    if event.type.startswith("waitlist.party.") and data.get("party_id"):
        return [_delivery(event, f"party:{data['party_id']}", data)]
    if (
        event.type == NOTIFICATION_CREATED
        and data.get("audience") == "party"
        and data.get("party_id")
    ):
        return [_delivery(event, f"party:{data['party_id']}", data)]
    return []


def party_view(snapshot: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """One party's line of a queue snapshot: nothing about the other parties."""
    view = {name: entry.get(name) for name in _PARTY_QUEUE_FIELDS}
    view["restaurant_id"] = snapshot.get("restaurant_id")
    view["open"] = snapshot.get("open")
    return view


def _delivery(event: CloudEvent, channel: str, data: dict[str, Any]) -> Delivery:
    message = {
        "type": "event",
        "channel": channel,
        "id": event.id,
        "event": event.type,
        "time": event.time.isoformat().replace("+00:00", "Z"),
        "data": without_phones(data),
    }
    return Delivery(channel, message)


def without_phones(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_phones(v) for k, v in value.items() if "phone" not in str(k).lower()}
    if isinstance(value, list):
        return [without_phones(v) for v in value]
    return value
