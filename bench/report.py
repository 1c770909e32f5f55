"""bench/results/latest.json and latest.md: the table of figures beside their ceilings."""

from __future__ import annotations

import json
from typing import Any

from bench.context import RESULTS, Figure


def _met(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "**no**")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def write(figures: list[Figure], meta: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "figures": [f.as_dict() for f in figures]}
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    (RESULTS / "latest.md").write_text(markdown(figures, meta))


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | measured | ceiling | ratio | target | met? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for fig in figures:
        if fig.status != "measured":
            lines.append(f"| {fig.title} | skipped: {fig.reason} | — | — | — | — |")
            continue
        for row in fig.rows:
            lines.append(
                f"| {row.figure} | {row.measured} | {row.ceiling} | {_ratio(row.ratio)} "
                f"| {row.target} | {_met(row.met)} |"
            )
    return "\n".join(lines) + "\n"


def markdown(figures: list[Figure], meta: dict[str, Any]) -> str:
    out = ["# Maitred benchmark: latest run", ""]
    out.append(
        f"Run {meta.get('started_at')} on {meta.get('machine')}; "
        f"took {meta.get('seconds', 0):.0f} s. Ratio = measured ÷ ceiling "
        "(throughput: higher is better; times: the ceiling is the least possible)."
    )
    out += ["", table(figures)]
    notes = [(f.title, n) for f in figures for n in f.notes]
    if notes or meta.get("notes"):
        out += ["## Notes", ""]
        out += [f"- {n}" for n in meta.get("notes", [])]
        out += [f"- {title}: {n}" for title, n in notes]
        out.append("")
    plots = [p for f in figures for p in f.plots]
    if plots:
        out += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    return "\n".join(out)
