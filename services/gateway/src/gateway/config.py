"""Settings of the gateway service, from environment variables prefixed GATEWAY_."""

from maitred_platform.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000
    database_url: str = (
        "postgresql+asyncpg://maitred_gateway:gateway-dev-password@127.0.0.1:5432/maitred"
    )
