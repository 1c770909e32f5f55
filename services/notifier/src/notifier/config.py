"""Settings of the notifier service, from environment variables prefixed NOTIFIER_."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from maitred_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    port: int = 8003
    database_url: str = (
        "postgresql+asyncpg://maitred_notifier:notifier-dev-password@127.0.0.1:5432/maitred"
    )

    # SMS: `log` writes a masked line instead of sending; `http` is a Twilio-style REST API.
    sms_provider: Literal["log", "http"] = "log"
    sms_base_url: str = "https://api.twilio.com/2010-04-01"
    sms_account_sid: str = ""
    sms_auth_token: str = ""
    sms_from: str = ""

    # E-mail over SMTP; messages go to each restaurant's notification address.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "Maitred <no-reply@maitred.local>"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False

    # Only for tests and local development: lets webhooks target loopback/private addresses.
    webhook_allow_private: bool = False

    # The delivery worker: how often it looks for due work, and how it retries.
    worker_interval_seconds: float = Field(default=1.0, gt=0)
    worker_concurrency: int = Field(default=32, ge=1)
    send_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_max_attempts: int = Field(default=6, ge=1)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_max_seconds: float = Field(default=900.0, gt=0)

    default_reminder_minutes: int = Field(default=120, ge=0)

    @model_validator(mode="after")
    def _refuse_incomplete_sms_provider(self) -> "Settings":
        if self.sms_provider == "http" and not (
            self.sms_account_sid and self.sms_auth_token and self.sms_from
        ):
            raise ValueError(
                "NOTIFIER_SMS_PROVIDER=http needs NOTIFIER_SMS_ACCOUNT_SID, "
                "NOTIFIER_SMS_AUTH_TOKEN and NOTIFIER_SMS_FROM"
            )
        if self.environment == "production" and self.webhook_allow_private:
            raise ValueError("NOTIFIER_WEBHOOK_ALLOW_PRIVATE must not be set in production")
        return self

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays ours: past it, another worker may retry it."""
        return self.send_timeout_seconds * 2 + 5
