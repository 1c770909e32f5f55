"""Posting signed CloudEvents to the webhooks restaurants registered."""

from __future__ import annotations

import asyncio
import socket
import time
from urllib.parse import urlsplit

import httpx

from notifier.domain.delivery import DeliveryError
from notifier.domain.webhooks import SIGNATURE_HEADER, is_public_address, signature


class AddressRefused(Exception):
    """The URL's host is not a public address (or cannot be resolved)."""


async def check_public_host(url: str) -> None:
    """Resolves the URL's host; refuses it when any of its addresses is not public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise AddressRefused("its host could not be resolved") from exc
    if not infos or not all(is_public_address(str(info[4][0])) for info in infos):
        raise AddressRefused("it points at a private, loopback or link-local address")


class WebhookPoster:
    def __init__(self, client: httpx.AsyncClient, *, allow_private: bool) -> None:
        self.client = client
        self.allow_private = allow_private

    async def post(self, url: str, secret: str, body: bytes, event_id: str) -> None:
        if not self.allow_private:
            # Checked again at each send: a name that resolved to a public address at
            # registration may point inside our network now (DNS rebinding).
            try:
                await check_public_host(url)
            except AddressRefused as exc:
                raise DeliveryError(f"address_refused: {exc}", retryable=False) from exc
        headers = {
            "Content-Type": "application/cloudevents+json",
            "User-Agent": "Maitred-Webhooks/1",
            "Maitred-Event-Id": event_id,
            SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        }
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook_unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeliveryError(f"webhook_status_{response.status_code}")
