"""The settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_KEY = "dev-internal-key-change-me-0123456789abcdef"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/maitred"
    db_pool_size: int = 10
    db_max_overflow: int = 10
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # The outbox relay runs in a child process of its own, off the requests' event loop.
    relay_process: bool = True
    # Shared with the gateway: signs the internal principal header and seals tokens in events.
    internal_key: str = DEV_INTERNAL_KEY
    public_base_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment == "production" and self.internal_key == DEV_INTERNAL_KEY:
            raise ValueError("internal_key must be set to a real secret in production")
        if len(self.internal_key) < 32:
            raise ValueError("internal_key must be at least 32 characters")
        return self
