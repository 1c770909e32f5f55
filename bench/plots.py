"""PNG plots (matplotlib, Agg) into bench/results/; each returns the file's name."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.context import RESULTS


def _save(fig: Any, name: str) -> str:
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(RESULTS / name, dpi=110)
    plt.close(fig)
    return name


def throughput_vs_concurrency(runs: dict[str, dict[int, Any]], pg: dict[int, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, by_c in runs.items():
        cs = sorted(by_c)
        ax.plot(cs, [by_c[c].throughput for c in cs], marker="o", label=name)
    pcs = sorted(c for c, r in pg.items() if r.get("tps") is not None)
    if pcs:
        ax.plot(pcs, [pg[c]["tps"] for c in pcs], marker="s", label="pgbench")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("joins per second")
    ax.set_title("Join throughput against concurrency")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, "joins_throughput.png")


def latency_distributions(name: str, title: str, series: dict[str, list[float]]) -> str:
    """Empirical CDFs of latencies (seconds in, milliseconds drawn, log scale)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for label, values in series.items():
        ms = sorted(v * 1000 for v in values if v is not None)
        if not ms:
            continue
        ys = [(i + 1) / len(ms) for i in range(len(ms))]
        ax.step([max(m, 0.01) for m in ms], ys, where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log scale)")
    ax.set_ylabel("fraction of requests ≤ x")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, name)


def bars(name: str, title: str, ylabel: str, values: dict[str, float]) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels = list(values)
    ax.bar(labels, [values[k] for k in labels], color="tab:blue")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    return _save(fig, name)


def scatter(name: str, title: str, points: dict[str, list[tuple[float, float]]]) -> str:
    fig, ax = plt.subplots(figsize=(6, 6))
    top = 1.0
    for label, pts in points.items():
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=label, alpha=0.6, s=18)
            top = max(top, *(max(p) for p in pts))
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("actual wait (minutes)")
    ax.set_ylabel("quoted wait (minutes)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, name)
