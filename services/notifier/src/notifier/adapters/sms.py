"""SMS providers: a Twilio-style REST API, or a log line for development."""

from __future__ import annotations

import re
from typing import Protocol

import httpx

from maitred_platform.logs import get_logger
from maitred_platform.phones import mask_phone
from notifier.domain.delivery import DeliveryError

log = get_logger(__name__)
_TOKEN_IN_LINK = re.compile(r"(token=)[^\s&]+")


class SmsProvider(Protocol):
    async def send(self, to: str, body: str) -> None:
        """Hands the message to the provider; raises DeliveryError when it was not accepted."""


class LogSmsProvider:
    """The default when no provider is configured: logs who and what, phone and links masked."""

    async def send(self, to: str, body: str) -> None:
        log.info("sms_logged", to=mask_phone(to), body=_TOKEN_IN_LINK.sub(r"\1[redacted]", body))


class HttpSmsProvider:
    """POST {base_url}/Accounts/{sid}/Messages.json, basic auth, form fields To, From, Body."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
    ) -> None:
        self.client = client
        self.url = f"{base_url.rstrip('/')}/Accounts/{account_sid}/Messages.json"
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        self.sender = sender

    async def send(self, to: str, body: str) -> None:
        form = {"To": to, "From": self.sender, "Body": body}
        try:
            response = await self.client.post(self.url, data=form, auth=self.auth)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"provider_unreachable: {type(exc).__name__}") from exc
        if response.is_success:
            return
        # 429 and 5xx are the provider's trouble and pass; other 4xx (a bad number) will not.
        retryable = response.status_code == 429 or response.status_code >= 500
        raise DeliveryError(f"provider_status_{response.status_code}", retryable=retryable)
