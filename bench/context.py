"""What every figure gets: the running stack, a client, an owner, the time left, shared numbers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.api import Api, Owner
from bench.env import BenchEnv, BenchStack

RESULTS = Path(__file__).resolve().parent / "results"


class Skip(Exception):
    """A figure that cannot be measured now; its reason goes into the table."""


@dataclass
class Row:
    figure: str
    measured: str
    ceiling: str
    ratio: float | None
    target: str
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "measured": self.measured,
            "ceiling": self.ceiling,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
        }


@dataclass
class Figure:
    key: str
    title: str
    status: str = "measured"  # measured | skipped
    reason: str = ""
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "seconds": round(self.seconds, 1),
            "rows": [r.as_dict() for r in self.rows],
            "notes": self.notes,
            "plots": self.plots,
            "data": self.data,
        }


@dataclass
class Context:
    env: BenchEnv
    http: aiohttp.ClientSession
    api: Api
    owner: Owner
    deadline: float
    quick: bool = False
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def stack(self) -> BenchStack:
        assert self.env.stack is not None
        return self.env.stack

    @property
    def gateway(self) -> str:
        return self.stack.url("gateway")

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def need(self, seconds: float, what: str) -> None:
        if self.remaining() < seconds:
            raise Skip(f"not enough of the time budget left for {what} ({self.remaining():.0f}s)")

    def seconds(self, full: float, quick: float) -> float:
        return quick if self.quick else full


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def ratio(measured: float | None, ceiling: float | None) -> float | None:
    if measured is None or ceiling is None or ceiling == 0:
        return None
    return measured / ceiling
