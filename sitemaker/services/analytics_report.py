"""Reading the daily figures back: per-day totals, top pages and referrers over a period, and
the CSV files the dashboard and the site export offer. Every function takes the site's id."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import AnalyticsDay, AnalyticsPath, AnalyticsReferrer

DAILY_HEADER = ("day", "views", "unique_visitors", "feed_fetches")


@dataclass(frozen=True)
class DayFigures:
    day: date
    views: int
    uniques: int
    feed_fetches: int


def daily(site_id: int, start: date, end: date) -> list[DayFigures]:
    """One entry per day from start to end inclusive, zeros where nothing was counted."""
    rows = db.session.scalars(
        sa.select(AnalyticsDay).where(
            AnalyticsDay.site_id == site_id, AnalyticsDay.day.between(start, end)
        )
    )
    found = {row.day: row for row in rows}
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = found.get(day)
        days.append(
            DayFigures(day, row.views, row.uniques, row.feed_fetches)
            if row is not None
            else DayFigures(day, 0, 0, 0)
        )
    return days


def top(kind: str, site_id: int, start: date, end: date, limit: int) -> list[tuple[str, int]]:
    """Pages ("paths") or referrer hosts ("referrers") by views over the period."""
    model = AnalyticsPath if kind == "paths" else AnalyticsReferrer
    column = model.path if model is AnalyticsPath else model.host
    total = sa.func.sum(model.views).label("views")
    rows = db.session.execute(
        sa.select(column, total)
        .where(model.site_id == site_id, model.day.between(start, end))
        .group_by(column)
        .order_by(total.desc(), column)
        .limit(limit)
    )
    return [(name, int(views)) for name, views in rows]


def _csv(header: tuple[str, ...], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # A leading = + - @ would be a formula to a spreadsheet; paths and hosts are text.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return out.getvalue().encode()


def daily_csv(days: list[DayFigures]) -> bytes:
    return _csv(
        DAILY_HEADER, ((d.day.isoformat(), d.views, d.uniques, d.feed_fetches) for d in days)
    )


def export_entries(site_id: int) -> dict[str, bytes]:
    """The site's daily figures for its export, every day kept; nothing when there are none
    (so an export of a site without figures is what it always was)."""
    entries: dict[str, bytes] = {}
    days = db.session.scalars(
        sa.select(AnalyticsDay).where(AnalyticsDay.site_id == site_id).order_by(AnalyticsDay.day)
    ).all()
    if not days:
        return entries
    entries["analytics/daily.csv"] = _csv(
        DAILY_HEADER, ((d.day.isoformat(), d.views, d.uniques, d.feed_fetches) for d in days)
    )
    for name, model, column in (
        ("pages", AnalyticsPath, AnalyticsPath.path),
        ("referrers", AnalyticsReferrer, AnalyticsReferrer.host),
    ):
        rows = db.session.execute(
            sa.select(model.day, column, model.views)
            .where(model.site_id == site_id)
            .order_by(model.day, column)
        )
        entries[f"analytics/{name}.csv"] = _csv(
            ("day", "path" if name == "pages" else "referrer", "views"),
            ((day.isoformat(), key, views) for day, key, views in rows),
        )
    return entries
