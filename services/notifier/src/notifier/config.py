"""Settings of the notifier service, from environment variables prefixed NOTIFIER_."""

from maitred_platform.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    port: int = 8003
    database_url: str = (
        "postgresql+asyncpg://maitred_notifier:notifier-dev-password@127.0.0.1:5432/maitred"
    )
