"""`make bench`: starts Maitred on a database and vhost of its own, measures every figure
beside its ceiling, writes bench/results/, and removes what it created. Bounded in time.

`python -m bench [--quick] [--only joins,events,...] [--budget SECONDS]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py` as well as `python -m bench`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report
from bench.api import Api, session
from bench.context import RESULTS, Context, Figure, Skip
from bench.env import ADMIN_URL, AMQP_URL, REDIS_URL, BenchEnv, raise_fd_limit
from bench.figures import contention, events, fanout, joins, quotes, slots

Measure = Callable[[Context], Awaitable[Figure]]
# In this order: the join ceiling feeds the event figure; the accelerated clock comes last
# but one, and the two-gateway fan-out restarts the stack, so it is last.
FIGURES: list[tuple[str, str, Measure]] = [
    ("joins", "Joins through the gateway", joins.measure),
    ("events", "Event latency, commit to realtime channels", events.measure),
    ("fanout", "Realtime fan-out, one gateway", fanout.measure_one),
    ("contention", "Booking contention", contention.measure),
    ("slots", "Slot search", slots.measure),
    ("quotes", "Quote accuracy", quotes.measure),
    ("fanout2", "Realtime fan-out, two gateways", fanout.measure_two),
]


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} x {cpu}{mem}, {platform.system()} {platform.release()}"


async def _servers_up() -> list[str]:
    from urllib.parse import urlsplit

    missing = []
    for name, url, port in (("PostgreSQL", ADMIN_URL, 5432), ("RabbitMQ", AMQP_URL, 5672),
                            ("Redis", REDIS_URL, 6379)):  # fmt: skip
        parts = urlsplit(url)
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or port), 3
            )
            writer.close()
        except (OSError, TimeoutError):
            missing.append(f"{name} on {parts.hostname}:{parts.port or port}")
    return missing


async def run(only: set[str] | None, budget: float, quick: bool) -> int:
    started = time.monotonic()
    deadline = started + budget
    fd_soft, fd_hard = raise_fd_limit()
    notes: list[str] = [
        "The gateway's per-client rate limits were turned off for the benchmark's stack "
        "(GATEWAY_RATE_LIMITS_ENABLED=false): every request comes from one loopback address.",
        "Load generator, references and services share this machine's cores; every figure "
        "and its ceiling were measured in this same run.",
    ]
    meta: dict[str, object] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
        "budget_s": budget,
        "quick": quick,
        "fd_limit": [fd_soft, fd_hard],
        "notes": notes,
    }
    figures: list[Figure] = []
    missing = await _servers_up()
    if missing:
        print("✗ not answering: " + ", ".join(missing), file=sys.stderr)
        return 1
    print(f"• benchmark starting ({budget:.0f}s budget; fd limit {fd_soft})", flush=True)
    async with BenchEnv() as env:
        print(f"• database and vhost {env.name}; starting the stack", flush=True)
        try:
            await env.start_stack()
        except Exception as exc:
            for key, title, _ in FIGURES:
                figures.append(Figure(key, title, "skipped", f"the stack did not start: {exc}"))
            _write_logs(env)
            meta["seconds"] = time.monotonic() - started
            report.write(figures, meta)
            print(report.table(figures))
            return 1
        async with session() as http:
            api = Api(http, env.stack.url("gateway") if env.stack else "")
            owner = await api.owner()
            ctx = Context(env, http, api, owner, deadline, quick)
            for key, title, measure in FIGURES:
                if only and key not in only:
                    continue
                print(f"• {title}", flush=True)
                began = time.monotonic()
                try:
                    fig = await asyncio.wait_for(measure(ctx), max(ctx.remaining(), 1))
                except Skip as exc:
                    fig = Figure(key, title, "skipped", str(exc))
                except TimeoutError:
                    fig = Figure(key, title, "skipped", "ran out of the time budget")
                except Exception as exc:
                    traceback.print_exc()
                    fig = Figure(key, title, "skipped", f"{type(exc).__name__}: {exc}"[:300])
                fig.seconds = time.monotonic() - began
                figures.append(fig)
                print(f"  {fig.status} in {fig.seconds:.0f}s {fig.reason}", flush=True)
                if key != "fanout2" and env.stack:
                    api.base = env.stack.url("gateway")
        _write_logs(env)
        errors = stack_errors(env.logs)
        meta["stack_errors"] = errors
        for what, count in list(errors.items())[:6]:
            notes.append(f"stack error log x{count}: {what}")
        meta["membership_retries"] = api.membership_retries
    meta["seconds"] = time.monotonic() - started
    meta["load_average_at_end"] = os.getloadavg()
    report.write(figures, meta)
    print(report.table(figures))
    print(f"• wrote {RESULTS}/latest.json, latest.md and the plots", flush=True)
    return 0


def stack_errors(lines: list[str]) -> dict[str, int]:
    """The stack's error log lines, grouped by service and the exception's last line."""
    import json

    counts: dict[str, int] = {}
    for line in lines:
        service, _, raw = line.partition("|")
        if '"error"' not in raw and '"critical"' not in raw:
            continue
        try:
            record = json.loads(raw.strip())
        except ValueError:
            continue
        if record.get("level") not in ("error", "critical"):
            continue
        exception = str(record.get("exception") or "").strip().splitlines()
        what = exception[-1][:160] if exception else str(record.get("event"))[:160]
        key = f"{service.strip()}: {what}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _write_logs(env: BenchEnv) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stack.log").write_text("\n".join(env.logs[-5000:]) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for trying it out")
    parser.add_argument("--only", default="", help="comma-separated figure keys")
    parser.add_argument("--budget", type=float, default=540.0, help="seconds for everything")
    args = parser.parse_args()
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    try:
        import uvloop

        return uvloop.run(run(only, args.budget, args.quick))
    except ImportError:
        return asyncio.run(run(only, args.budget, args.quick))


if __name__ == "__main__":
    sys.exit(main())
