"""One OpenAPI document for the whole public API: the gateway's own paths plus, from each
service's /openapi.json, the paths the gateway routes to it. A service that was down when
the document was first asked for is asked again on the next request for it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from gateway.adapters.upstream import Upstreams
from gateway.domain.routing import resolve
from maitred_platform.logs import get_logger

log = get_logger(__name__)

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SECURITY_SCHEMES = {
    "staffToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A staff access token from POST /v1/auth/token.",
    },
    "dinerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A party token (from joining the waitlist) or a booking manage token.",
    },
}
_SECURITY_BY_ACCESS: dict[str, list[dict[str, list[str]]]] = {
    "staff": [{"staffToken": []}],
    "credential": [{"staffToken": []}, {"dinerToken": []}],
    "public": [{}, {"staffToken": []}],
}


class OpenApiDocument:
    def __init__(self, upstreams: Upstreams, own: Callable[[], dict[str, Any]]) -> None:
        self.upstreams = upstreams
        self.own = own
        self.fetched: dict[str, dict[str, Any]] = {}
        self._merged: dict[str, Any] | None = None

    async def document(self) -> dict[str, Any]:
        missing = [name for name in self.upstreams.urls if name not in self.fetched]
        for service in missing:
            await self._fetch(service)
        if self._merged is None or any(name in self.fetched for name in missing):
            self._merged = merge(self.own(), self.fetched, list(self.upstreams.urls))
        return self._merged

    async def _fetch(self, service: str) -> None:
        try:
            answer = await self.upstreams.request(
                service, "GET", "/openapi.json", headers={"accept": "application/json"}
            )
            if answer.status == 200:
                self.fetched[service] = json.loads(answer.body)
        except Exception as exc:
            log.warning("openapi_fetch_failed", service=service, error=str(exc)[:200])


def merge(
    own: dict[str, Any], services: dict[str, dict[str, Any]], all_services: list[str]
) -> dict[str, Any]:
    merged = copy.deepcopy(own)
    merged["info"] = {
        "title": "Maitred API",
        "version": own.get("info", {}).get("version", "1.0.0"),
        "description": (
            "The public API of Maitred, served by the gateway. Realtime: WebSocket /v1/realtime "
            "and SSE /v1/realtime/sse (see the gateway README)."
        ),
    }
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    for service, document in sorted(services.items()):
        document = _renamed_schemas(document, schemas, service)
        for path, item in document.get("paths", {}).items():
            kept = {
                method: operation
                for method, operation in item.items()
                if method in _METHODS and _routed_to(method, path) == service
            }
            if kept:
                paths.setdefault(path, {}).update(kept)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(name, schema)
    for path, item in paths.items():
        for method, operation in item.items():
            if method in _METHODS and "security" not in operation:
                route = resolve(method.upper(), path)
                if route is not None:
                    operation["security"] = _SECURITY_BY_ACCESS[route.access]
    components["securitySchemes"] = SECURITY_SCHEMES
    merged["x-missing-services"] = sorted(set(all_services) - set(services))
    return merged


def _routed_to(method: str, path: str) -> str | None:
    if not path.startswith("/v1/"):
        return None  # /internal, /health and /metrics of a service stay private
    route = resolve(method.upper(), path)
    return route.service if route else None


def _renamed_schemas(
    document: dict[str, Any], taken: dict[str, Any], service: str
) -> dict[str, Any]:
    """Renames this service's schemas whose names another document already uses differently."""
    clashes = [
        name
        for name, schema in document.get("components", {}).get("schemas", {}).items()
        if name in taken and taken[name] != schema
    ]
    if not clashes:
        return document
    text = json.dumps(document)
    prefix = service.capitalize()
    for name in clashes:
        text = text.replace(
            f'"#/components/schemas/{name}"', f'"#/components/schemas/{prefix}{name}"'
        )
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    for name in clashes:
        schemas[prefix + name] = schemas.pop(name)
    return renamed
