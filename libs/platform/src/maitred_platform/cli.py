"""`python -m <service>` serves it; `python -m <service> migrate` upgrades its schema."""

from __future__ import annotations

import argparse

import uvicorn

from maitred_platform.migrations import upgrade
from maitred_platform.settings import ServiceSettings


def main(package: str, settings: ServiceSettings, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--host", default=settings.host)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        upgrade(package, settings.database_url)
        return
    uvicorn.run(
        f"{package}.bootstrap:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
