"""`make run`: checks the servers, prepares the database, starts every service, seeds a demo.

Runs in the foreground with prefixed logs until Ctrl-C stops everything.
Environment: MAITRED_POSTGRES_ADMIN_URL, MAITRED_DATABASE, MAITRED_AMQP_URL, MAITRED_REDIS_URL,
MAITRED_SCALE (instances per service).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from maitred_platform.provision import provision
from maitred_platform.stack import DEFAULT_PORTS, Stack

sys.path.insert(0, str(Path(__file__).parent))
from seed import seed_demo

ADMIN_URL = os.environ.get(
    "MAITRED_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASE = os.environ.get("MAITRED_DATABASE", "maitred")
AMQP_URL = os.environ.get("MAITRED_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("MAITRED_REDIS_URL", "redis://127.0.0.1:6379/0")

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "RabbitMQ": "rabbitmq-server -detached",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


def _reachable(url: str, default_port: int) -> tuple[str, int, bool]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return host, port, True
    except OSError:
        return host, port, False


def check_servers() -> bool:
    ok = True
    for name, url, port in (
        ("PostgreSQL", ADMIN_URL, 5432),
        ("RabbitMQ", AMQP_URL, 5672),
        ("Redis", REDIS_URL, 6379),
    ):
        host, port, up = _reachable(url, port)
        if not up:
            print(
                f"✗ {name} is not answering on {host}:{port}. Start it with: {HOW_TO_START[name]}"
            )
            ok = False
    return ok


def check_ports(scale: int) -> bool:
    taken = []
    for service, base in DEFAULT_PORTS.items():
        for i in range(scale):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", base + 10 * i)) == 0:
                    taken.append(f"{service}:{base + 10 * i}")
    if taken:
        print(f"✗ ports already in use ({', '.join(taken)}): is Maitred already running?")
    return not taken


async def main(scale: int, seed: bool) -> int:
    if not check_servers() or not check_ports(scale):
        return 1
    print(f"• preparing database {DATABASE!r} (roles and schemas)")
    dbs = await provision(ADMIN_URL, DATABASE)
    stack = Stack(
        database_urls={name: db.url for name, db in dbs.items()},
        amqp_url=AMQP_URL,
        redis_url=REDIS_URL,
        scale=scale,
        fixed_ports=True,
    )
    print("• migrating every service's schema")
    await stack.migrate()
    print("• starting services")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stack.start(timeout=90)
        lines = [f"  {i.name:<16} {i.url}" for i in stack.all_instances()]
        if seed:
            lines += await seed_demo(stack.url("gateway"))
        gateway = stack.url("gateway")
        print("\n".join(["", "Maitred is running:", *lines, f"  API docs         {gateway}/docs",
                         "Ctrl-C stops everything.", ""]))  # fmt: skip
        await stopping.wait()
    finally:
        print("• stopping")
        with contextlib.suppress(Exception):
            await stack.stop()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=int(os.environ.get("MAITRED_SCALE", "1")))
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.scale, not args.no_seed)))
