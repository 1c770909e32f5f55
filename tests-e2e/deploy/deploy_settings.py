"""What each service's Settings class says a deployment must provide."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from gateway.config import Settings as GatewaySettings
from notifier.config import Settings as NotifierSettings
from reservations.config import Settings as ReservationsSettings
from waitlist.config import Settings as WaitlistSettings

SETTINGS: dict[str, Any] = {
    "gateway": GatewaySettings,
    "waitlist": WaitlistSettings,
    "reservations": ReservationsSettings,
    "notifier": NotifierSettings,
}
SERVICES = tuple(SETTINGS)
DOMAIN_SERVICES = ("waitlist", "reservations", "notifier")
# Defaults that are only right on a developer's machine: a container must be told otherwise.
_MACHINE_LOCAL = ("127.0.0.1", "localhost", "change-me", "dev-password")


def env_name(service: str, field: str) -> str:
    return f"{SETTINGS[service].model_config['env_prefix']}{field}".upper()


def port_of(service: str) -> int:
    port: int = SETTINGS[service].model_fields["port"].default
    return port


def required_variables(service: str) -> dict[str, str]:
    """Env var -> field, for every setting whose default is unsafe outside a laptop:
    loopback addresses (the host to bind, the servers to reach) and development secrets."""
    out = {}
    for field, info in SETTINGS[service].model_fields.items():
        default = info.default
        if isinstance(default, str) and any(mark in default for mark in _MACHINE_LOCAL):
            out[env_name(service, field)] = field
    return out


DEFAULT_PORTS = {
    "postgresql": 5432,
    "amqp": 5672,
    "amqps": 5671,
    "redis": 6379,
    "rediss": 6379,
    "http": 80,
    "https": 443,
}


def servers_reached(service: str, env: dict[str, str | None]) -> list[tuple[str, str, int]]:
    """(variable, host, port) of every server this service connects to with this environment:
    the *_url settings (but the public URL it shows to people) and *_host ones."""
    out = []
    for variable, field in required_variables(service).items():
        value = env.get(variable) or ""
        if field.endswith("_url") and field != "public_base_url":
            for url in filter(None, (part.strip() for part in value.split(","))):
                parts = urlsplit(url)
                scheme = parts.scheme.split("+")[0]
                out.append((variable, parts.hostname or "", parts.port or DEFAULT_PORTS[scheme]))
        elif field.endswith("_host") and field != "host":
            port_field = field.removesuffix("_host") + "_port"
            port = (
                env.get(env_name(service, port_field))
                or SETTINGS[service].model_fields[port_field].default
            )
            out.append((variable, value, int(port)))
    return out


def settings_from_environment(settings_class: type, env: dict[str, str]) -> Any:
    """Builds a service's Settings exactly as the process would, from this environment only."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return settings_class()
    finally:
        os.environ.clear()
        os.environ.update(saved)
