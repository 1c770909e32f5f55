"""The rules: which event makes which message, for whom, on which channels, in which words.

Each rule has default templates (Jinja2, rendered in a sandbox) that a restaurant may
override, and default channels that a restaurant may narrow or widen within `allowed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["realtime", "sms", "email"]
Audience = Literal["party", "restaurant"]
CHANNELS: tuple[Channel, ...] = ("realtime", "sms", "email")


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: Audience
    title: str
    body: str
    channels: tuple[Channel, ...]
    allowed: tuple[Channel, ...]


_DINER_WAITLIST: tuple[Channel, ...] = ("realtime", "sms")
# Diners give a phone, never an e-mail address: e-mail is for the restaurant's own address.
_DINER_BOOKING: tuple[Channel, ...] = ("sms",)
_STAFF: tuple[Channel, ...] = ("realtime", "email")

RULES: dict[str, Rule] = {
    rule.kind: rule
    for rule in (
        Rule(
            "waitlist_joined",
            "party",
            "You're on the waitlist",
            "Hi {{ name }}, you're #{{ position }} on the waitlist at {{ restaurant }}. "
            "Estimated wait: about {{ estimated_wait_minutes }} min. "
            "Follow your place: {{ waitlist_url }}",
            _DINER_WAITLIST,
            _DINER_WAITLIST,
        ),
        Rule(
            "party_called",
            "party",
            "Your table is ready",
            "{{ name }}, your table{% if table %} ({{ table }}){% endif %} at {{ restaurant }} "
            "is ready — check in by {{ checkin_by }}.",
            _DINER_WAITLIST,
            _DINER_WAITLIST,
        ),
        Rule(
            "party_heads_up",
            "party",
            "Your table is almost ready",
            "{{ name }}, your table at {{ restaurant }} should be ready in about "
            "{{ minutes }} minutes. Time to head back!",
            _DINER_WAITLIST,
            _DINER_WAITLIST,
        ),
        Rule(
            "party_requeued",
            "party",
            "Back in line",
            "{{ name }}, the table we offered at {{ restaurant }} is no longer free; "
            "you're back in line at #{{ position }}.",
            ("realtime",),
            _DINER_WAITLIST,
        ),
        Rule(
            "party_checked_in",
            "party",
            "You're checked in",
            "Welcome, {{ name }}! Enjoy your meal at {{ restaurant }}.",
            ("realtime",),
            _DINER_WAITLIST,
        ),
        Rule(
            "party_no_show",
            "party",
            "We missed you",
            "{{ name }}, you didn't check in in time at {{ restaurant }}, so we gave your "
            "table away. You're welcome to join the waitlist again: {{ waitlist_url }}",
            _DINER_WAITLIST,
            _DINER_WAITLIST,
        ),
        Rule(
            "party_left",
            "party",
            "You left the waitlist",
            "{{ name }}, you're no longer on the waitlist at {{ restaurant }}. "
            "Hope to see you soon!",
            _DINER_WAITLIST,
            _DINER_WAITLIST,
        ),
        Rule(
            "booking_confirmed",
            "party",
            "Booking confirmed",
            "{{ name }}, your table for {{ party_size }} at {{ restaurant }} is booked for "
            "{{ starts_at }}.{% if manage_url %} Manage or cancel: {{ manage_url }}{% endif %}",
            _DINER_BOOKING,
            _DINER_BOOKING,
        ),
        Rule(
            "booking_cancelled",
            "party",
            "Booking cancelled",
            "{{ name }}, your booking at {{ restaurant }} for {{ starts_at }} is cancelled.",
            _DINER_BOOKING,
            _DINER_BOOKING,
        ),
        Rule(
            "booking_reminder",
            "party",
            "See you soon",
            "Reminder: {{ name }}, your table for {{ party_size }} at {{ restaurant }} is at "
            "{{ starts_at }}.{% if manage_url %} Manage or cancel: {{ manage_url }}{% endif %}",
            _DINER_BOOKING,
            _DINER_BOOKING,
        ),
        Rule(
            "booking_lookup",
            "party",
            "Your bookings",
            "Your upcoming bookings at {{ restaurant }}:"
            "{% for booking in bookings %}\n{{ booking.starts_at }} ({{ booking.party_size }}): "
            "{{ booking.manage_url }}{% endfor %}",
            _DINER_BOOKING,
            _DINER_BOOKING,
        ),
        Rule(
            "staff_booking_created",
            "restaurant",
            "New booking",
            "{{ name }}, {{ party_size }} people, {{ starts_at }}, table {{ table }}.",
            _STAFF,
            _STAFF,
        ),
        Rule(
            "staff_booking_cancelled",
            "restaurant",
            "Booking cancelled",
            "{{ name }}'s booking for {{ starts_at }} (table {{ table }}) was cancelled "
            "by {{ cancelled_by }}.",
            _STAFF,
            _STAFF,
        ),
    )
}


def channels_for(rule: Rule, overrides: dict[str, list[str]]) -> tuple[Channel, ...]:
    """The restaurant's choice of channels for a rule, kept within what the rule allows."""
    chosen = overrides.get(rule.kind)
    if chosen is None:
        return rule.channels
    return tuple(c for c in rule.allowed if c in chosen)
