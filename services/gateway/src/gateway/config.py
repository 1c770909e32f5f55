"""Settings of the gateway service, from environment variables prefixed GATEWAY_."""

from __future__ import annotations

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from maitred_platform.settings import ServiceSettings

DEV_JWT_SECRET = "dev-jwt-secret-change-me-0123456789abcdef"  # noqa: S105 - refused in production


def url_list(value: str) -> list[str]:
    """`http://a:8001, http://b:8001` -> both base URLs, without trailing slashes."""
    return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000
    database_url: str = (
        "postgresql+asyncpg://maitred_gateway:gateway-dev-password@127.0.0.1:5432/maitred"
    )

    # Downstream services; each may list several instances, comma-separated (round-robin).
    reservations_url: str = "http://127.0.0.1:8002"
    waitlist_url: str = "http://127.0.0.1:8001"
    notifier_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = 10.0
    upstream_connect_timeout_seconds: float = 2.0
    upstream_max_connections: int = 512

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "maitred:gw:"
    redis_timeout_seconds: float = 0.5

    # Staff JWTs: HS256 with a key id, so keys rotate by moving the current one to previous.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_key_id: str = "k1"
    jwt_previous_keys: dict[str, str] = {}
    jwt_ttl_seconds: int = 3600
    jwt_audience: str = "maitred-api"
    jwt_issuer: str = "maitred-gateway"

    max_body_bytes: int = 1024 * 1024
    membership_cache_seconds: float = 5.0
    idempotency_ttl_seconds: int = 24 * 3600
    rate_limits_enabled: bool = True
    # Only behind a load balancer that sets X-Forwarded-For: then its last hop is the client.
    trust_forwarded_for: bool = False

    realtime_buffer_size: int = 500
    realtime_buffer_ttl_seconds: int = 24 * 3600
    realtime_heartbeat_seconds: float = 25.0
    realtime_send_queue: int = 256
    realtime_max_message_bytes: int = 4096
    realtime_messages_per_second: float = 10.0
    realtime_message_burst: int = 30

    @model_validator(mode="after")
    def _refuse_placeholder_jwt_secret(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("GATEWAY_JWT_SECRET must be set to a real secret in production")
        if len(self.jwt_secret) < 32:
            raise ValueError("GATEWAY_JWT_SECRET must be at least 32 characters")
        if self.jwt_secret == self.internal_key:
            raise ValueError("GATEWAY_JWT_SECRET must differ from the internal key")
        return self

    def service_urls(self) -> dict[str, list[str]]:
        return {
            "reservations": url_list(self.reservations_url),
            "waitlist": url_list(self.waitlist_url),
            "notifier": url_list(self.notifier_url),
        }
