"""Settings of the waitlist service, from environment variables prefixed WAITLIST_."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from maitred_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WAITLIST_", extra="ignore")

    port: int = 8001
    database_url: str = (
        "postgresql+asyncpg://maitred_waitlist:waitlist-dev-password@127.0.0.1:5432/maitred"
    )
    timer_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often the worker looks for due deadlines and heads-ups."
    )
    time_scale: float = Field(
        default=1.0,
        gt=0,
        description="Run the service's clock this many times faster (simulations only).",
    )

    @model_validator(mode="after")
    def _real_time_in_production(self) -> "Settings":
        if self.environment == "production" and self.time_scale != 1.0:
            raise ValueError("time_scale is for simulations; production runs in real time")
        return self
