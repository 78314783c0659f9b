"""The PNG chart: requests/s and p99 per case, app beside its baseline."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # noqa: E402


def write_chart(data: dict, path: Path) -> Path:
    cases = [c for c in data["cases"] if not c["skipped"] and c["app"]]
    labels = [f"{c['name']}\n{c['sites']:,} sites" if c["sites"] else c["name"] for c in cases]
    height = max(3.0, 0.6 * len(cases) + 1.5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, height), sharey=True)
    ys = range(len(cases))
    bar = 0.38
    for ax, key, title in ((left, "rps", "requests/s (median)"), (right, "p99_ms", "p99 ms")):
        app = [c["app"].get(key, 0) for c in cases]
        base = [c["baseline"].get(key, 0) if c["baseline"] else 0 for c in cases]
        ax.barh([y - bar / 2 for y in ys], app, bar, label="app", color="#3465a4")
        ax.barh([y + bar / 2 for y in ys], base, bar, label="baseline", color="#babdb6")
        for y, value in zip(ys, app, strict=True):
            ax.annotate(f"{value:,.0f}", (value, y - bar / 2), fontsize=7, va="center",
                        xytext=(3, 0), textcoords="offset points")  # fmt: skip
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        if key == "rps":
            ax.set_xscale("log")
    left.set_yticks(list(ys), labels, fontsize=8)
    left.invert_yaxis()
    left.legend(loc="lower right", fontsize=8)
    meta = data.get("meta", {})
    fig.suptitle(
        f"sitemaker visitor path — {meta.get('date', '')} {meta.get('commit', '')[:10]} "
        f"(baseline: floor app, or nginx static for nginx cases)",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
