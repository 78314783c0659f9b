"""Page views are counted where pages are served (the front cache and Flask), without
cookies or stored addresses, and written to the daily tables in batches."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import sqlalchemy as sa
from flask import request_started

from sitemaker.analytics import KEY
from sitemaker.extensions import db
from sitemaker.models import (
    AnalyticsDay,
    AnalyticsPath,
    AnalyticsReferrer,
    AnalyticsSalt,
    AnalyticsVisitor,
    Site,
)
from sitemaker.services import sites as site_service
from sitemaker.services.transfer import export_site
from tests.components import free_port

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def visit(client, path="/about", address="10.0.0.1", agent=BROWSER, method="GET", **headers):
    return client.open(
        path,
        method=method,
        subdomain="acme",
        headers={"User-Agent": agent, **headers},
        environ_base={"REMOTE_ADDR": address},
    )


def figures(app, site_id: int) -> dict:
    app.extensions[KEY].flush()
    with app.app_context():
        days = db.session.scalars(sa.select(AnalyticsDay).where(AnalyticsDay.site_id == site_id))
        paths = db.session.execute(
            sa.select(AnalyticsPath.path, AnalyticsPath.views).where(
                AnalyticsPath.site_id == site_id
            )
        )
        referrers = db.session.execute(
            sa.select(AnalyticsReferrer.host, AnalyticsReferrer.views).where(
                AnalyticsReferrer.site_id == site_id
            )
        )
        day = [(d.views, d.uniques, d.feed_fetches) for d in days]
        return {"days": day, "paths": dict(paths.all()), "referrers": dict(referrers.all())}


def test_views_are_counted_on_front_hits_and_flask_pages_but_not_bots_head_304_or_owner(
    app, client, site, make_page, owner, login
):
    make_page(site, "About", "x", status="published")
    flask_saw = []
    request_started.connect(lambda sender, **extra: flask_saw.append(1), app, weak=False)
    for n in range(6):  # the first visits are Flask's, the rest the front cache's
        response = visit(client, address=f"10.0.0.{n % 3}", Referer="https://www.google.de/s?q=x")
        assert response.status_code == 200
    assert 0 < len(flask_saw) < 6  # both places counted
    etag = response.headers["ETag"]
    assert visit(client, **{"If-None-Match": etag}).status_code == 304
    assert visit(client, method="HEAD").status_code == 200
    assert visit(client, agent=GOOGLEBOT).status_code == 200
    assert visit(client, agent="").status_code == 200
    assert visit(client, "/feed.xml").status_code == 200
    assert (
        visit(
            client, "/feed.xml", agent="Feedly/1.0 (+http://www.feedly.com/fetcher.html)"
        ).status_code
        == 200
    )
    assert visit(client, "/custom.css").status_code == 200
    assert visit(client, "/nowhere").status_code == 404
    login(client, owner, "acme")
    assert visit(client, address="10.9.9.9").status_code == 200
    got = figures(app, site.id)
    assert got["days"] == [(6, 3, 2)]  # feed fetches: a browser's and Feedly's
    assert got["paths"] == {"/about": 6}
    assert got["referrers"] == {"Google": 6}


def test_referrers_keep_the_host_only_and_drop_self_referrals(app, client, site, make_page):
    make_page(site, "About", "x", status="published")
    visit(client, Referer="https://news.ycombinator.com/item?id=1&secret=yes")
    visit(client, Referer="http://acme.example.test/other")
    visit(client, Referer="not a url at all")
    assert figures(app, site.id)["referrers"] == {"news.ycombinator.com": 1}


def test_the_next_days_salt_gives_new_hashes_and_the_old_salt_and_hashes_are_gone(
    app, client, site, make_page
):
    make_page(site, "About", "x", status="published")
    analytics = app.extensions[KEY]
    clock = [86400 * 20000 + 100.0]  # 2024-10-04, 00:01:40 UTC
    analytics.tally.clock = lambda: clock[0]
    visit(client)
    assert figures(app, site.id)["days"] == [(1, 1, 0)]
    with app.app_context():
        first = db.session.execute(sa.select(AnalyticsVisitor.day, AnalyticsVisitor.digest)).all()
        salts = db.session.execute(sa.select(AnalyticsSalt.day, AnalyticsSalt.salt)).all()
    assert [day for day, _ in first] == [date(2024, 10, 4)]
    assert [day for day, _ in salts] == [date(2024, 10, 4)]
    clock[0] += 86400
    visit(client)  # the same reader, the next day
    assert sorted(figures(app, site.id)["days"]) == [(1, 1, 0), (1, 1, 0)]
    with app.app_context():
        second = db.session.execute(sa.select(AnalyticsVisitor.day, AnalyticsVisitor.digest)).all()
        later_salts = db.session.execute(sa.select(AnalyticsSalt.day, AnalyticsSalt.salt)).all()
    assert [day for day, _ in second] == [date(2024, 10, 5)]
    assert second[0][1] != first[0][1]
    assert [day for day, _ in later_salts] == [date(2024, 10, 5)]
    assert later_salts[0][1] != salts[0][1]
    assert first[0][1] not in str(second) and "10.0.0.1" not in str(second)
    clock[0] += 86400  # a day without readers: its end still deletes the last hashes and salt
    assert analytics.flush() == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsVisitor)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsSalt)) == 0


def test_a_flood_of_junk_paths_and_referrers_stays_bounded_in_memory_and_in_the_database(
    app, client, site, make_page, owner, login
):
    make_page(site, "About", "x", status="published")
    analytics = app.extensions[KEY]
    cap, top_n = app.config["ANALYTICS_MAX_KEYS"], app.config["ANALYTICS_TOP_N"]
    environ = {"REQUEST_METHOD": "GET", "HTTP_USER_AGENT": BROWSER, "HTTP_HOST": "acme.x"}
    for n in range(100_000):
        environ["PATH_INFO"] = f"/junk-{n}"
        environ["HTTP_REFERER"] = f"https://spam{n}.example/"
        environ["REMOTE_ADDR"] = f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"
        analytics.tally.count(environ, "acme", "text/html; charset=utf-8")
    batch = analytics.tally._batch
    assert len(batch.paths) == cap and len(batch.referrers) == cap
    assert len(batch.visitors) == cap and batch.dropped == 2 * (100_000 - cap)
    for n in range(300):  # and through the app: junk never costs a 5xx
        response = visit(client, f"/about?junk={n}", Referer=f"https://spam{n}.example/x")
        assert response.status_code == 200
        assert visit(client, f"/junk-{n}").status_code == 404
    got = figures(app, site.id)
    assert got["days"][0][0] == 100_300  # every view counted, only the details capped
    assert len(got["paths"]) == top_n + 1 and got["paths"]["(other)"] > 0
    assert len(got["referrers"]) == top_n + 1
    assert sum(got["paths"].values()) == cap  # the tally was full: later paths were dropped
    login(client, owner, "acme")
    dashboard = client.get("/admin/analytics", subdomain="acme")
    assert dashboard.status_code == 200
    assert "<code>(other)</code></td><td>9900</td>" in dashboard.get_data(as_text=True)


def test_old_days_go_after_the_retention_period_and_all_figures_go_with_the_site(
    make_app, make_site, make_page
):
    app = make_app(ANALYTICS_RETENTION_DAYS=10)
    site = make_site("acme")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    analytics = app.extensions[KEY]
    clock = [86400 * 20000.0]
    analytics.tally.clock = lambda: clock[0]
    for step in (0, 5, 11):  # days 0, 5 and 11: day 0 is older than 10 days by then
        clock[0] = 86400 * (20000 + step)
        visit(client, Referer="https://example.org/")
        analytics.flush()
    with app.app_context():
        days = db.session.scalars(sa.select(AnalyticsDay.day).order_by(AnalyticsDay.day)).all()
        assert days == [date(2024, 10, 9), date(2024, 10, 15)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsReferrer)) == 2
        site_service.purge(db.session.get(Site, site.id))
        db.session.commit()
        for model in (AnalyticsDay, AnalyticsPath, AnalyticsReferrer, AnalyticsVisitor):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_the_export_includes_the_daily_figures(app, site, make_page):
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    for n in range(3):
        visit(client, address=f"10.0.0.{n}", Referer="https://lobste.rs/s/1")
    app.extensions[KEY].flush()
    with app.app_context():
        archive = zipfile.ZipFile(io.BytesIO(export_site(db.session.get(Site, site.id))))
        today = db.session.scalar(sa.select(AnalyticsDay.day)).isoformat()
    daily = archive.read("analytics/daily.csv").decode()
    assert daily == f"day,views,unique_visitors,feed_fetches\n{today},3,3,0\n"
    assert archive.read("analytics/pages.csv").decode().splitlines()[1] == f"{today},/about,3"
    assert (
        archive.read("analytics/referrers.csv").decode().splitlines()[1] == f"{today},lobste.rs,3"
    )


def test_counting_goes_on_with_redis_down(make_app, make_site, make_page):
    """Counts live in the process and go to the database: a dead Redis (page cache, board,
    limits) costs neither the page nor the count."""
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    site = make_site("acme")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    for n in range(4):
        assert visit(client, address=f"10.0.0.{n % 2}").status_code == 200
    assert figures(app, site.id)["days"] == [(4, 2, 0)]
