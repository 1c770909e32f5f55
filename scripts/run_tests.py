"""Runs every package's tests, each in its own pytest process, and prints one total.

Each package tests on its own (its fixtures, its database, its vhost), as it would alone;
the total line at the end counts them all. Extra arguments go to every pytest run.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = [
    "libs/contracts",
    "libs/platform",
    "libs/messaging",
    "services/reservations",
    "services/waitlist",
    "services/notifier",
    "services/gateway",
    "tests-e2e",
]


def counts(report: Path) -> dict[str, int]:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if not report.exists():
        return totals
    root = ET.parse(report).getroot()  # noqa: S314 - our own pytest's report
    for suite in root.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    return totals


def main(args: list[str]) -> int:
    reports = ROOT / "test-artifacts" / "junit"
    reports.mkdir(parents=True, exist_ok=True)
    summary, failed_suites = {"passed": 0, "failed": 0, "skipped": 0}, []
    for suite in SUITES:
        report = reports / f"{suite.replace('/', '_')}.xml"
        report.unlink(missing_ok=True)
        print(f"\n=== {suite}", flush=True)
        started = time.monotonic()
        code = subprocess.call(
            [sys.executable, "-m", "pytest", suite, f"--junitxml={report}", *args], cwd=ROOT
        )
        found = counts(report)
        failed = found["failures"] + found["errors"]
        summary["passed"] += found["tests"] - failed - found["skipped"]
        summary["failed"] += failed
        summary["skipped"] += found["skipped"]
        print(f"=== {suite}: exit {code} in {time.monotonic() - started:.0f}s", flush=True)
        if code != 0:  # includes 5: a package with no tests is a failure too
            failed_suites.append(suite)
    if failed_suites:
        print(f"\nfailed suites: {', '.join(failed_suites)}")
    print(f"\n{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped")
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
