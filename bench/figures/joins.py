"""Figure 1: joins through the gateway, beside a bare FastAPI + asyncpg endpoint and pgbench.

All three do the same durable work per join: a party row and an outbox row in one
transaction. The gateway's joins also do what the waitlist really does (restaurant lock,
queue order, estimate, queue snapshot event); the ratios say what the hop, the framework
and that work cost. Joins are spread over a set of fresh restaurants per concurrency, so a
queue stays the length of a busy evening's (tens of parties) instead of growing for ever.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench import cpu, load, plots
from bench.api import session
from bench.context import Context, Figure, Row, Skip, fmt_ms, ratio
from bench.env import Reference, free_port

CONCURRENCY = (1, 16, 64)
RESTAURANTS_PER_LEVEL = 24
REFERENCES = Path(__file__).resolve().parent.parent / "references"
JOIN = {"name": "Bench party", "party_size": 2, "preference": "any"}


async def measure(ctx: Context) -> Figure:
    fig = Figure("joins", "Joins through the gateway (HTTP join -> committed -> 201)")
    duration = ctx.seconds(8, 3)
    ctx.need(len(CONCURRENCY) * (3 * duration + 20), "the join figure")
    await _create_reference_schema(ctx)
    bare = Reference("bare_join", free_port())
    # "waitlist" is the same join sent to the waitlist service directly: the gateway's share.
    runs: dict[str, dict[int, load.Run]] = {"gateway": {}, "waitlist": {}, "bare": {}}
    pg: dict[int, dict[str, Any]] = {}
    cost: dict[int, dict[str, Any]] = {}  # CPU per join by process, through the gateway
    try:
        await bare.start(
            "bench.references.bare_join", {"BENCH_REF_DATABASE_URL": ctx.env.admin_db_url}
        )
        tables = [{"label": f"T{i}", "capacity": 4, "kind": "table"} for i in range(4)]
        for c in CONCURRENCY:
            rids = await ctx.api.many_restaurants(ctx.owner, RESTAURANTS_PER_LEVEL, tables)
            await asyncio.gather(*(ctx.api.waitlist_ready(r, len(tables)) for r in rids))
            fake_rids = [str(uuid.UUID(int=i + 1)) for i in range(64)]
            runs["bare"][c] = await _closed(f"bare c={c}", bare.url, fake_rids, c, duration)
            await cpu.settle(ctx.stack)  # what the bare run's turn left is not counted
            before = cpu.snapshot(ctx.stack)
            runs["gateway"][c] = await _closed(f"gateway c={c}", ctx.gateway, rids, c, duration)
            settled_s = await cpu.settle(ctx.stack)  # the joins' events handled everywhere
            answered = runs["gateway"][c].answered_all
            cost[c] = {
                "joins": answered,
                "settled_s": round(settled_s, 1),
                "ms_per_join": cpu.per_unit_ms(before, cpu.snapshot(ctx.stack), answered),
            }
            direct = ctx.stack.url("waitlist")
            runs["waitlist"][c] = await _closed(f"waitlist c={c}", direct, rids, c, duration)
            pg[c] = await _pgbench(ctx, c, ctx.seconds(10, 3))
    finally:
        await bare.stop()

    fig.data = {
        "duration_s": duration,
        "restaurants_per_level": RESTAURANTS_PER_LEVEL,
        "gateway": {c: r.as_dict() for c, r in runs["gateway"].items()},
        "bare": {c: r.as_dict() for c, r in runs["bare"].items()},
        "waitlist_direct": {c: r.as_dict() for c, r in runs["waitlist"].items()},
        "pgbench": pg,
        "cpu_per_join": cost,
    }
    best = max((r.throughput for r in runs["gateway"].values()), default=0.0)
    ctx.shared["join_ceiling_per_s"] = best
    for c in CONCURRENCY:
        g, b, p = runs["gateway"][c], runs["bare"][c], pg[c]
        gs, bs, ws = g.as_dict(), b.as_dict(), runs["waitlist"][c].as_dict()
        r = ratio(g.throughput, b.throughput)
        pg_text = (
            f"pgbench {p['tps']:.0f}/s (p50 {fmt_ms(p.get('p50_ms'))})"
            if p.get("tps") is not None
            else f"pgbench skipped: {p.get('skipped')}"
        )
        fig.rows.append(
            Row(
                figure=f"Joins via gateway, c={c}",
                measured=f"{g.throughput:.0f}/s, p50 {fmt_ms(gs['p50_ms'])}, "
                f"p99 {fmt_ms(gs['p99_ms'])} (waitlist direct {ws['throughput_per_s']:.0f}/s, "
                f"p50 {fmt_ms(ws['p50_ms'])})",
                ceiling=f"bare {b.throughput:.0f}/s (p50 {fmt_ms(bs['p50_ms'])}, "
                f"p99 {fmt_ms(bs['p99_ms'])}); {pg_text}",
                ratio=r,
                target="≥ 50 % of bare",
                met=None if r is None else r >= 0.5,
            )
        )
        bad = {k: v for k, v in gs["statuses"].items() if k != "201"}
        if bad or gs["errors"]:
            fig.notes.append(f"c={c}: gateway answers other than 201: {bad} {gs['errors']}")
    for c, spent in cost.items():
        by = spent["ms_per_join"]
        fig.notes.append(
            f"CPU per join through the gateway at c={c}, until its events settled: "
            f"{sum(by.values()):.1f} ms in all; "
            + ", ".join(f"{name} {ms:.1f}" for name, ms in by.items())
        )
    fig.plots.append(plots.throughput_vs_concurrency(runs, pg))
    fig.plots.append(
        plots.latency_distributions(
            "joins_latency.png",
            "Join latency by concurrency",
            {
                f"{name} c={c}": run.latencies_s
                for name in ("bare", "waitlist", "gateway")
                for c, run in runs[name].items()
            },
        )
    )
    return fig


async def _closed(label: str, base: str, rids: list[str], c: int, duration: float) -> load.Run:
    urls = [f"{base}/v1/restaurants/{rid}/waitlist/parties" for rid in rids]
    async with session(limit=c) as http:

        async def request(i: int) -> int:
            async with http.post(urls[i % len(urls)], json=JOIN) as response:
                await response.read()
                return response.status

        return await load.closed_loop(label, request, c, duration, frozenset({201}))


async def _create_reference_schema(ctx: Context) -> None:
    conn = await asyncpg.connect(ctx.env.admin_db_url)
    try:
        await conn.execute((REFERENCES / "schema.sql").read_text())
    finally:
        await conn.close()


async def _pgbench(ctx: Context, clients: int, seconds: float) -> dict[str, Any]:
    exe = shutil.which("pgbench")
    if exe is None:
        return {"skipped": "pgbench not installed (apt-get install postgresql-client)"}
    # The shared server has max_connections; never take more than what is free.
    conn = await asyncpg.connect(ctx.env.admin_db_url)
    try:
        limit = int(await conn.fetchval("SHOW max_connections"))
        used = int(await conn.fetchval("SELECT count(*) FROM pg_stat_activity"))
    finally:
        await conn.close()
    n = min(clients, max(1, limit - used - 10))
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        proc = await asyncio.create_subprocess_exec(
            exe, "-n", "-f", str(REFERENCES / "join.sql"), "-c", str(n), "-j", str(min(2, n)),
            "-T", str(int(seconds)), "-l", "--log-prefix", f"{tmp}/log", ctx.env.admin_db_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), seconds + 60)
        text = out.decode(errors="replace")
        if proc.returncode:
            return {"skipped": f"pgbench failed: {text.strip().splitlines()[-1:]}"}
        latencies = await asyncio.to_thread(_logged_latencies, Path(tmp))
    match = re.search(r"tps = ([\d.]+)", text)
    result: dict[str, Any] = {
        "clients": n,
        "tps": float(match.group(1)) if match else None,
        **load.summary_ms(latencies),
    }
    if n < clients:
        result["note"] = f"{n} clients instead of {clients}: max_connections"
    if result["tps"] is None:
        raise Skip(f"pgbench output not understood: {text[-300:]}")
    return result


def _logged_latencies(folder: Path) -> list[float]:
    """pgbench -l lines: client, transaction, latency in microseconds, ..."""
    latencies = []
    for log in folder.glob("log*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]) / 1e6)
    return latencies
