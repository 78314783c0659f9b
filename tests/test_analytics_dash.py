"""The Analytics page: a server-drawn 30-day chart, top pages and referrers for a period,
CSV export; for members who may publish, and only ever the current site's figures."""

from __future__ import annotations

import re

from sitemaker.analytics import KEY
from sitemaker.extensions import db
from sitemaker.models import Membership
from tests.test_analytics import visit


def seed_views(app, make_page, site, views: int, referer: str) -> None:
    make_page(site, "About", "x", status="published")
    reader = app.test_client()
    for n in range(views):
        response = reader.get(
            "/about",
            subdomain=site.subdomain,
            headers={"User-Agent": "Mozilla/5.0 Firefox/128.0", "Referer": referer},
            environ_base={"REMOTE_ADDR": f"10.1.0.{n}"},
        )
        assert response.status_code == 200
    app.extensions[KEY].flush()


def test_the_owner_sees_the_chart_the_top_pages_and_referrers(app, signed_in, site, make_page):
    seed_views(app, make_page, site, 4, "https://news.ycombinator.com/item?id=9")
    page = signed_in.get("/admin/analytics", subdomain="acme")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1]
    assert len(re.findall(r"<rect ", html)) == 30
    assert ": 4 views, 4 unique visitors</title>" in html
    assert re.search(r"<code>/about</code></td><td>4</td>", html)
    assert re.search(r"<td>news.ycombinator.com</td><td>4</td>", html)
    assert 'aria-current="page">Analytics<' in html
    # The owner's own look at the dashboard and the site counted nothing more.
    assert visit(signed_in, address="10.9.9.9").status_code == 200
    app.extensions[KEY].flush()
    again = signed_in.get("/admin/analytics?period=7", subdomain="acme").get_data(as_text=True)
    assert re.search(r"<strong>4</strong> views", again)


def test_the_csv_export_lists_every_day_of_the_period(app, signed_in, site, make_page):
    seed_views(app, make_page, site, 2, "https://www.bing.com/search?q=a")
    response = signed_in.get("/admin/analytics.csv?period=7", subdomain="acme")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "day,views,unique_visitors,feed_fetches"
    assert len(lines) == 8 and lines[-1].endswith(",2,2,0")
    assert all(line.endswith(",0,0,0") for line in lines[1:-1])


def test_a_bad_period_is_a_clear_400(signed_in, site):
    for bad in ("abc", "9999", "-1", "30%00"):
        response = signed_in.get(f"/admin/analytics?period={bad}", subdomain="acme")
        assert response.status_code == 400
        assert "Choose a period of 7, 30, 90, 365 days." in response.get_data(as_text=True)
        assert (
            signed_in.get(f"/admin/analytics.csv?period={bad}", subdomain="acme").status_code == 400
        )


def test_authors_do_not_see_the_figures(app, client, site, make_user, login):
    author = make_user("author@example.org")
    with app.app_context():
        db.session.add(Membership(site_id=site.id, user_id=author.id, role="author"))
        db.session.commit()
    login(client, author, "acme")
    assert client.get("/admin/analytics", subdomain="acme").status_code == 403
    assert client.get("/admin/analytics.csv", subdomain="acme").status_code == 403
    assert "Analytics" not in client.get("/admin/", subdomain="acme").get_data(as_text=True)


def test_one_sites_figures_never_appear_on_anothers_dashboard(
    app, client, site, make_site, make_user, make_page, login
):
    seed_views(app, make_page, site, 3, "https://secret-referrer.example/")
    other_owner = make_user("bob@example.org")
    make_site("bobs", owner=other_owner)
    login(client, other_owner, "bobs")
    html = client.get("/admin/analytics", subdomain="bobs").get_data(as_text=True)
    assert "secret-referrer" not in html and "/about" not in html
    assert re.search(r"<strong>0</strong> views", html)
    csv = client.get("/admin/analytics.csv?period=7", subdomain="bobs").get_data(as_text=True)
    assert all(line.endswith(",0,0,0") for line in csv.splitlines()[1:])
    # bob's session on bobs is no session on acme: its dashboard sends him to sign in
    assert client.get("/admin/analytics", subdomain="acme").status_code == 302
