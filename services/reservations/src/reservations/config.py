"""Settings of the reservations service, from environment variables prefixed RESERVATIONS_."""

from pydantic_settings import SettingsConfigDict

from maitred_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATIONS_", extra="ignore")

    port: int = 8002
    database_url: str = (
        "postgresql+asyncpg://maitred_reservations:reservations-dev-password@127.0.0.1:5432/maitred"
    )
