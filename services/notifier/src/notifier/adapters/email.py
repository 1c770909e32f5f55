"""E-mail over SMTP (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from notifier.domain.delivery import DeliveryError


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username or None
        self.password = password or None
        self.starttls = starttls
        self.timeout = timeout

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("recipient_refused", retryable=False) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp_unavailable: {type(exc).__name__}") from exc
