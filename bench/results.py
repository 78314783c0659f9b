"""Summaries of runs, the JSON file, and the printed table."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .wrk import Run


def summary(runs: list[Run]) -> dict:
    """Median of each figure over the rounds; error counts are summed, not medianed."""
    if not runs:
        return {}
    statuses: dict[str, int] = {}
    for run in runs:
        for code, n in run.statuses.items():
            statuses[code] = statuses.get(code, 0) + n
    return {
        "rps": round(statistics.median(r.rps for r in runs), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
        "requests": sum(r.requests for r in runs),
        "non_2xx": sum(r.non_2xx for r in runs),
        "socket_errors": sum(r.socket_errors for r in runs),
        "statuses": dict(sorted(statuses.items())),
    }


@dataclass
class Case:
    """One thing measured: the subject (`app`) and, where it has one, what it is compared with
    (`baseline`: the floor app, or nginx serving a static file)."""

    name: str
    sites: int
    description: str
    baseline_name: str = "floor"
    app: list[Run] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)
    skipped: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        app, base = summary(self.app), summary(self.baseline)
        ratios = {}
        if app and base:
            ratios = {
                "rps": round(app["rps"] / base["rps"], 3) if base["rps"] else None,
                "p99": round(app["p99_ms"] / base["p99_ms"], 3) if base["p99_ms"] else None,
            }
        return {
            "name": self.name,
            "sites": self.sites,
            "description": self.description,
            "baseline_name": self.baseline_name,
            "skipped": self.skipped,
            "note": self.note,
            "app": app,
            "baseline": base,
            "ratio": ratios,
            "app_runs": [r.to_dict() for r in self.app],
            "baseline_runs": [r.to_dict() for r in self.baseline],
        }


def write_json(path: Path, meta: dict, cases: list[Case]) -> dict:
    data = {"meta": meta, "cases": [c.to_dict() for c in cases]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return data


def _fmt(value, spec: str) -> str:
    return "-" if value in (None, "") else format(value, spec)


def table(data: dict) -> str:
    """A Markdown table: one row per case, app beside its baseline and the ratios."""
    rows = [
        "| case | sites | app req/s | app p50 ms | app p99 ms | app non-2xx | baseline | "
        "base req/s | base p99 ms | req/s ratio | p99 ratio |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for case in data["cases"]:
        if case["skipped"]:
            rows.append(f"| {case['name']} | {case['sites']} | skipped: {case['skipped']} |"
                        " | | | | | | | |")  # fmt: skip
            continue
        app, base, ratio = case["app"], case["baseline"], case["ratio"]
        rows.append(
            f"| {case['name']} | {case['sites']} | {_fmt(app.get('rps'), ',.0f')} | "
            f"{_fmt(app.get('p50_ms'), '.1f')} | {_fmt(app.get('p99_ms'), '.1f')} | "
            f"{_fmt(app.get('non_2xx'), 'd')} | {case['baseline_name'] if base else '-'} | "
            f"{_fmt(base.get('rps'), ',.0f')} | {_fmt(base.get('p99_ms'), '.1f')} | "
            f"{_fmt(ratio.get('rps'), '.2f')} | {_fmt(ratio.get('p99'), '.2f')} |"
        )
    return "\n".join(rows)
