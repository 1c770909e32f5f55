"""Sends one claimed delivery on its channel: SMS, e-mail or webhook."""

from __future__ import annotations

from maitred_platform.credentials import unseal
from notifier.adapters.email import SmtpMailer
from notifier.adapters.sms import SmsProvider
from notifier.adapters.webhook_client import WebhookPoster
from notifier.domain.delivery import DeliveryError, Outgoing


class Channels:
    def __init__(
        self, *, sms: SmsProvider, mailer: SmtpMailer, webhooks: WebhookPoster, internal_key: str
    ) -> None:
        self.sms = sms
        self.mailer = mailer
        self.webhooks = webhooks
        self.internal_key = internal_key

    async def send(self, item: Outgoing) -> None:
        if not item.destination:
            raise DeliveryError("no_destination", retryable=False)
        if item.channel == "sms":
            await self.sms.send(item.destination, item.body)
        elif item.channel == "email":
            await self.mailer.send(item.destination, item.title, item.body)
        elif item.channel == "webhook":
            secret = unseal(item.secret_sealed or "", self.internal_key)
            if secret is None or item.payload is None:
                raise DeliveryError("webhook_secret_unreadable", retryable=False)
            await self.webhooks.post(
                item.destination, secret, item.payload.encode(), item.event_id or ""
            )
        else:
            raise DeliveryError(f"unknown_channel: {item.channel}", retryable=False)
