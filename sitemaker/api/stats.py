"""Page-view figures per day, with top pages and referrers, for the last `days` days (UTC).
Needs the `stats:read` scope, which only roles that may publish can use (as in the dashboard)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g, jsonify

from ..models.common import utcnow
from ..services import analytics_report
from . import bp
from .auth import requires
from .inputs import query_int

MAX_DAYS = 366
TOP = 20


@bp.route("/stats")
@requires("stats:read")
def stats():
    days = query_int("days", 30, 1, MAX_DAYS)
    end = utcnow().date()
    start = end - timedelta(days=days - 1)
    site_id = g.site.id
    return jsonify(
        start=start.isoformat(),
        end=end.isoformat(),
        days=[
            {
                "day": d.day.isoformat(),
                "views": d.views,
                "unique_visitors": d.uniques,
                "feed_fetches": d.feed_fetches,
            }
            for d in analytics_report.daily(site_id, start, end)
        ],
        top_pages=[
            {"path": path, "views": views}
            for path, views in analytics_report.top("paths", site_id, start, end, TOP)
        ],
        top_referrers=[
            {"host": host, "views": views}
            for host, views in analytics_report.top("referrers", site_id, start, end, TOP)
        ],
    )


def openapi_paths(operation, answer, query) -> dict[str, Any]:
    return {
        "/stats": {
            "get": operation(
                "Views, unique visitors and feed fetches per day (UTC), with the top pages "
                "and referrers of the period; figures are written every minute or so",
                {200: answer("The figures, one entry per day, oldest first.", "Stats")},
                (400, 403, 404),
                scope="stats:read",
                operation_id="getStats",
                parameters=[
                    query(
                        "days",
                        {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": 30},
                        "How many days, ending today.",
                    )
                ],
            ),
        }
    }


def openapi_schemas() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    day = {
        "type": "object",
        "properties": {
            "day": {"type": "string", "format": "date"},
            "views": count,
            "unique_visitors": count,
            "feed_fetches": count,
        },
        "required": ["day", "views", "unique_visitors", "feed_fetches"],
        "additionalProperties": False,
    }

    def ranked(key: str) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {key: {"type": "string"}, "views": count},
                "required": [key, "views"],
                "additionalProperties": False,
            },
        }

    return {
        "Stats": {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "days": {"type": "array", "items": day},
                "top_pages": ranked("path"),
                "top_referrers": ranked("host"),
            },
            "required": ["start", "end", "days", "top_pages", "top_referrers"],
            "additionalProperties": False,
        }
    }
