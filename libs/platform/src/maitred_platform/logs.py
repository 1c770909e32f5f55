"""JSON logs with the request id and the event's correlation id; phones and tokens masked."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

_PHONE = re.compile(r"\+[1-9]\d{6,14}")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_KEYS = {"token", "party_token", "manage_token", "password", "authorization", "access_token"}


def _mask_text(text: str) -> str:
    text = _PHONE.sub(lambda m: m.group(0)[:3] + "…" + m.group(0)[-2:], text)
    return _BEARER.sub(r"\1[redacted]", text)


def _mask(value: Any, key: str = "") -> Any:
    if key.lower() in _SECRET_KEYS:
        return "[redacted]"
    if isinstance(value, str):
        return _mask_text(value)
    if isinstance(value, dict):
        return {k: _mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def mask_pii(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: no phone number or credential reaches a log line in clear."""
    return {k: _mask(v, k) for k, v in event_dict.items()}


def configure_logging(service: str, level: str = "INFO") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_pii,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            lambda _, __, ed: {**ed, "service": service},
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines would repeat what the request middleware logs, with the query string.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)
