"""Analytics: views and unique visitors per day, top pages and referrers, CSV export.

Who sees it: members who may publish (editors, admins, owners). The figures are the whole
site's; an author sees neither the page nor the API's figures, since views are counted per
address and an address is not reliably one author's post (home page, listings, tags)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, g, render_template, request

from ..models.common import utcnow
from ..services import analytics_report
from ..services.permissions import Permission, requires
from . import bp
from .analytics_chart import chart

PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "365": "Last year"}
TOP = 20


def _period() -> tuple[str, date, date]:
    chosen = request.args.get("period", "30")
    if chosen not in PERIODS:
        abort(400, description=f"Choose a period of {', '.join(PERIODS)} days.")
    today = utcnow().date()
    return chosen, today - timedelta(days=int(chosen) - 1), today


@bp.route("/analytics")
@requires(Permission.PUBLISH)
def analytics():
    chosen, start, end = _period()
    site_id = g.site.id
    month = analytics_report.daily(site_id, end - timedelta(days=29), end)
    period = analytics_report.daily(site_id, start, end)
    return render_template(
        "dash/analytics.html",
        site=g.site,
        chart=chart(month),
        periods=PERIODS,
        chosen=chosen,
        start=start,
        end=end,
        views=sum(d.views for d in period),
        feed_fetches=sum(d.feed_fetches for d in period),
        # Unique visitors are per day: a reader on two days counts on each.
        daily_uniques=sum(d.uniques for d in period),
        pages=analytics_report.top("paths", site_id, start, end, TOP),
        referrers=analytics_report.top("referrers", site_id, start, end, TOP),
    )


@bp.route("/analytics.csv")
@requires(Permission.PUBLISH)
def analytics_csv():
    chosen, start, end = _period()
    body = analytics_report.daily_csv(analytics_report.daily(g.site.id, start, end))
    name = f"{g.site.subdomain}-analytics-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
