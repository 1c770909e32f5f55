"""Who a rate limit is keyed by, and which limits apply."""

from __future__ import annotations

from gateway.domain.rate_policy import checks_for, client_for, login_checks


def test_client_is_staff_then_token_then_address() -> None:
    assert client_for(staff_id="s1", diner_token="pty_x", ip="1.2.3.4").key == "staff:s1"
    token_client = client_for(staff_id=None, diner_token="pty_x", ip="1.2.3.4")
    assert token_client.kind == "token" and "pty_x" not in token_client.key  # hashed
    assert client_for(staff_id=None, diner_token=None, ip="1.2.3.4").key == "ip:1.2.3.4"


def test_diner_joins_are_limited_per_address_and_per_phone() -> None:
    client = client_for(staff_id=None, diner_token="pty_x", ip="1.2.3.4")
    checks = checks_for("joins", client, phone="+14155550123")
    scopes = [c.identifiers[1] for c in checks]
    assert scopes == ["token", "ip", "phone"]
    assert "+14155550123" not in str([c.identifiers for c in checks])  # phones hashed


def test_staff_joins_are_limited_per_staff_only_and_generously() -> None:
    checks = checks_for("joins", client_for(staff_id="s1", diner_token=None, ip="1.2.3.4"), "+1")
    assert [c.identifiers[1] for c in checks] == ["staff"]
    assert checks[0].limit.amount >= 120


def test_login_is_limited_per_address_and_per_account() -> None:
    checks = login_checks("a@example.com", "1.2.3.4")
    assert [c.identifiers[1] for c in checks] == ["ip", "email"]
