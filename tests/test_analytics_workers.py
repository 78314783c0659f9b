"""Counting on a real gunicorn with two forked workers (preload_app, post_fork): N views from
M clients give exactly N views and M unique visitors, whichever worker (and whichever of the
front cache or Flask) answered; 304s, HEAD, crawlers and signed-in members are not counted.

The clients are told apart by their source address: each connects from its own loopback
address (127.0.0.x), which is what REMOTE_ADDR is with no proxy in front (ProxyFix changes it
only when X-Forwarded-For is sent, and these clients send none)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import AnalyticsDay, AnalyticsPath, AnalyticsVisitor, Site
from sitemaker.services.pages import create_page
from tests import servers

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
HOST = "acme.sitemaker.test"
N, M = 60, 4


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    url = servers.server_database_url()
    tmp = tmp_path_factory.mktemp("analytics")
    seed_app = servers.prepare_database(url)
    with seed_app.app_context():
        site = Site(subdomain="acme", title="Acme")
        db.session.add(site)
        db.session.flush()
        create_page(site, "About", "About us", slug="about", status="published")
        db.session.commit()
        site_id = site.id
    env = servers.production_env(
        "sitemaker.test",
        url,
        SITEMAKER_MEDIA_ROOT=str(tmp / "m"),
        SITEMAKER_ANALYTICS_FLUSH_SECONDS="0.2",
    )
    servers.build_assets(env)
    server = servers.start_gunicorn(env, tmp / "gunicorn", workers=2)
    try:
        servers.wait_until(lambda: len(servers.worker_pids(server)) == 2, "two workers")
        yield {"server": server, "seed_app": seed_app, "site": site_id}
    finally:
        server.stop()
        with seed_app.app_context():
            servers.clear_tables(db)
            db.engine.dispose()


def figures(app, site_id: int) -> tuple[int, int, dict]:
    with app.app_context():
        row = db.session.get(
            AnalyticsDay, (site_id, db.session.scalar(sa.select(AnalyticsDay.day)))
        )
        paths = dict(db.session.execute(sa.select(AnalyticsPath.path, AnalyticsPath.views)).all())
        hashes = db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsVisitor))
        db.session.remove()
        return (row.views, row.uniques, {"paths": paths, "hashes": hashes}) if row else (0, 0, {})


def test_n_views_from_m_clients_on_two_workers_are_n_views_and_m_uniques(two_workers):
    port, app, site_id = two_workers["server"].port, two_workers["seed_app"], two_workers["site"]

    def view(n: int) -> servers.Response:
        return servers.request(
            port, "/about", HOST, headers={"User-Agent": BROWSER}, source=f"127.0.0.{n % M + 1}"
        )

    with ThreadPoolExecutor(6) as pool:  # concurrent, so both workers answer some
        answers = list(pool.map(view, range(N)))
    assert all(a.status == 200 and "About us" in a.text for a in answers)
    etag = answers[-1].headers["etag"]
    # None of these is a visit.
    uncounted = [
        servers.request(port, "/about", HOST, headers={"User-Agent": BROWSER, "If-None-Match": etag}),
        servers.request(port, "/about", HOST, method="HEAD", headers={"User-Agent": BROWSER}),
        servers.request(port, "/about", HOST, headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}),
        servers.request(port, "/about", HOST, headers={"User-Agent": "curl/8.5.0"}),
        servers.request(port, "/about", HOST, headers={"User-Agent": BROWSER, "Cookie": "session=signed-in-member"}),
        servers.request(port, "/missing", HOST, headers={"User-Agent": BROWSER}),
    ]  # fmt: skip
    assert [r.status for r in uncounted] == [304, 200, 200, 200, 200, 404]
    servers.wait_until(lambda: figures(app, site_id)[0] >= N, "both workers' flushes")
    views, uniques, rest = figures(app, site_id)
    assert (views, uniques) == (N, M)
    assert rest["paths"] == {"/about": N} and rest["hashes"] == M
    assert "Traceback" not in two_workers["server"].log("stderr")
