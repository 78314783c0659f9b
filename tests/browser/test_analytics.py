"""A writer opens Analytics and sees the chart, the top lists and the CSV link; no script is
needed and none fails (the dashboard's CSP is strict)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site


def seed_figures(database_url: str, subdomain: str) -> None:
    """Thirty days of figures written the way the flush writes them."""
    import sqlalchemy as sa

    from sitemaker import create_app
    from sitemaker.extensions import db
    from sitemaker.models import AnalyticsDay, AnalyticsPath, AnalyticsReferrer, Site
    from sitemaker.models.common import utcnow

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        site_id = db.session.scalar(sa.select(Site.id).where(Site.subdomain == subdomain))
        today = utcnow().date()
        for back in range(30):
            day = today - timedelta(days=back)
            views = 40 + (back * 37) % 90
            db.session.add(AnalyticsDay(site_id=site_id, day=day, views=views,
                                        uniques=views // 3, feed_fetches=back % 5))  # fmt: skip
            db.session.add(AnalyticsPath(site_id=site_id, day=day, path="/hello", views=views))
            db.session.add(AnalyticsReferrer(site_id=site_id, day=day, host="Google", views=9))
        db.session.commit()
        db.engine.dispose()


def test_a_writer_sees_views_and_visitors(live_server, context, trouble, shot):
    page = context.new_page()
    _account, subdomain = owner_with_site(page, live_server, "Counted Blog")
    seed_figures(live_server.database_url, subdomain)
    page.goto(live_server.tenant(subdomain) + "/admin/analytics")
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Views (bars)")).to_be_visible()
    assert page.locator("svg rect").count() == 30
    expect(page.get_by_role("cell", name="/hello")).to_be_visible()
    expect(page.get_by_role("cell", name="Google")).to_be_visible()
    shot(page, "analytics")
    page.get_by_label("Period").select_option("7")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server.tenant(subdomain)}/admin/analytics?period=7")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = open(download.value.path()).read()
    assert text.startswith("day,views,unique_visitors,feed_fetches\n")
    assert len(text.splitlines()) == 8
