"""Webhook signatures, refused targets, retry back-off and reply keywords, as plain rules."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from notifier.domain.delivery import DeliveryError, RetryPolicy
from notifier.domain.opt_out import reply_intent
from notifier.domain.webhooks import is_public_address, signature, url_problem


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"1"}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/x",
        "gopher://a.example",
        "//a.example/x",
        "http:///x",
        "https://u:p@a.example/",
    ],
)
def test_urls_that_are_not_plain_http_targets_are_refused(url: str) -> None:
    assert url_problem(url) is not None


def test_http_and_https_urls_pass_the_first_check() -> None:
    assert url_problem("https://hooks.example.com/maitred?x=1") is None
    assert url_problem("http://203.0.113.9:8080/") is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_back_off_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, base_seconds=2, max_seconds=30)
    rand = random.Random(7)
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)]:
        delays = [policy.delay_after(attempts, rand) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_giving_up_after_the_limit_or_at_once_when_retrying_cannot_help() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=10)
    assert not policy.gives_up(2, DeliveryError("timeout"))
    assert policy.gives_up(3, DeliveryError("timeout"))
    assert policy.gives_up(1, DeliveryError("provider_status_400", retryable=False))


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("STOP", "stop"),
        (" stop ", "stop"),
        ("Unsubscribe", "stop"),
        ("start", "start"),
        ("stop it now", None),
        ("Thanks!", None),
    ],
)
def test_reply_keywords(body: str, intent: str | None) -> None:
    assert reply_intent(body) == intent
