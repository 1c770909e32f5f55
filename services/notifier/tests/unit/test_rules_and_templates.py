"""Every rule renders with its defaults; a failing override falls back to them."""

from __future__ import annotations

import pytest

from notifier.domain.rules import RULES, channels_for
from notifier.domain.templates import render, template_problem

CONTEXT = {
    "restaurant": "Le Petit Zinc",
    "name": "Alex",
    "position": 3,
    "parties_ahead": 2,
    "party_size": 2,
    "estimated_wait_minutes": 25,
    "waitlist_url": "https://m.example/r/1",
    "table": "T4",
    "checkin_by": "20:05",
    "minutes": 5,
    "reason": "hold_rejected",
    "by": "diner",
    "starts_at": "Sat 14 Jun 20:00",
    "manage_url": "https://m.example/reservations/1?token=bk_x",
    "cancelled_by": "diner",
    "bookings": [{"starts_at": "Sat 14 Jun 20:00", "party_size": 2, "manage_url": "https://l"}],
}


@pytest.mark.parametrize("kind", sorted(RULES))
def test_every_rule_renders_its_default_words(kind: str) -> None:
    rendered = render(RULES[kind], None, CONTEXT)
    assert rendered.error is None
    assert rendered.title and rendered.body
    assert "{{" not in rendered.body


def test_the_called_message_says_when_to_check_in() -> None:
    body = render(RULES["party_called"], None, CONTEXT).body
    assert "ready — check in by 20:05" in body


def test_a_booking_without_a_manage_link_says_nothing_of_one() -> None:
    body = render(RULES["booking_confirmed"], None, {**CONTEXT, "manage_url": None}).body
    assert "Manage" not in body and "None" not in body


def test_an_override_that_fails_to_render_falls_back_with_the_reason() -> None:
    rendered = render(RULES["party_left"], {"body": "{{ 1 / 0 }}"}, CONTEXT)
    assert rendered.body == render(RULES["party_left"], None, CONTEXT).body
    assert rendered.error is not None and "ZeroDivisionError" in rendered.error


def test_an_override_that_renders_is_used_and_the_other_part_keeps_its_default() -> None:
    rendered = render(RULES["party_left"], {"body": "Bye {{ name }}"}, CONTEXT)
    assert rendered.body == "Bye Alex"
    assert rendered.title == RULES["party_left"].title


def test_a_syntax_error_is_named_before_it_is_saved() -> None:
    assert template_problem("{% if %}") is not None
    assert template_problem("Hello {{ name }}") is None
    assert template_problem("x" * 3000) is not None


def test_a_restaurant_cannot_widen_a_rule_beyond_its_allowed_channels() -> None:
    rule = RULES["booking_confirmed"]
    assert channels_for(rule, {}) == ("sms",)
    assert channels_for(rule, {"booking_confirmed": ["sms", "realtime"]}) == ("sms",)
    assert channels_for(RULES["party_called"], {"party_called": ["realtime"]}) == ("realtime",)
