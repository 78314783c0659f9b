"""The 30-day chart as plain SVG geometry for the template: bars for views, a line for
unique visitors, both on one scale. Drawn on the server, so it needs no script (the
dashboard's CSP allows none inline) and reads the same in every browser."""

from __future__ import annotations

from dataclasses import dataclass

from ..services.analytics_report import DayFigures

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 200, 40, 24, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    line: str  # the polyline's points
    ticks: list[tuple[float, int]]  # (y, value) for the scale
    labels: list[tuple[float, str]]  # (x, day) under some bars
    baseline: float
    total_views: int


def _nice_ceiling(value: int) -> int:
    """1, 2, 5 × 10ⁿ at or above the value, so the scale reads in round numbers."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(days: list[DayFigures]) -> Chart:
    top = _nice_ceiling(max([d.views for d in days] + [1]))
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(days), 1)
    baseline = HEIGHT - BOTTOM

    def y(value: int) -> float:
        return round(baseline - plot_h * value / top, 1)

    bars, points, labels = [], [], []
    for i, day in enumerate(days):
        x = LEFT + i * slot
        label = f"{day.day.isoformat()}: {day.views} views, {day.uniques} unique visitors"
        bars.append(Bar(round(x + 1, 1), y(day.views), round(slot - 2, 1),
                        round(baseline - y(day.views), 1), label))  # fmt: skip
        points.append(f"{round(x + slot / 2, 1)},{y(day.uniques)}")
        if (len(days) - 1 - i) % 7 == 0:  # weekly, ending today
            labels.append((round(x + slot / 2, 1), day.day.strftime("%b %d")))
    ticks = [(y(top * n // 4), top * n // 4) for n in range(5)]
    total = sum(d.views for d in days)
    return Chart(WIDTH, HEIGHT, bars, " ".join(points), ticks, labels, baseline, total)
