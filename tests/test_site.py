"""The visitor path: home page, published pages, drafts and trash hidden, suspension."""

from datetime import timedelta

from sitemaker.extensions import db
from sitemaker.models import Site
from sitemaker.models.common import utcnow


def test_home_page_is_the_page_marked_home(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Front", "The front door.", status="published", is_home=True)
    make_page(site, "About", "About us.", status="published")
    response = client.get("/", subdomain="alice")
    assert b"The front door." in response.data
    assert b'href="/about"' in response.data  # navigation lists the other page


def test_without_home_page_the_front_lists_published_items(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "First", status="published")
    make_page(site, "Second", status="published", kind="post")
    make_page(site, "Secret draft")
    response = client.get("/", subdomain="alice")
    assert b"First" in response.data and b"Second" in response.data
    assert b"Secret draft" not in response.data


def test_drafts_trash_and_future_pages_are_404(client, app, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Draft", slug="draft")
    make_page(site, "Trashed", slug="trashed", status="published")
    make_page(
        site, "Later", slug="later", status="published", published_at=utcnow() + timedelta(days=1)
    )
    with app.app_context():
        from sitemaker.models import Page

        page = db.session.scalar(db.select(Page).where(Page.slug == "trashed"))
        page.deleted_at = utcnow()
        db.session.commit()
    for slug in ("draft", "trashed", "later", "missing"):
        response = client.get(f"/{slug}", subdomain="alice")
        assert response.status_code == 404, slug
        assert b"Not found" in response.data


def test_scheduled_post_appears_when_due(client, app, make_site, make_page):
    site = make_site("alice")
    make_page(
        site, "Soon", slug="soon", status="published", published_at=utcnow() + timedelta(hours=1)
    )
    assert client.get("/soon", subdomain="alice").status_code == 404
    with app.app_context():
        from sitemaker.models import Page

        page = db.session.scalar(db.select(Page).where(Page.slug == "soon"))
        page.published_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/soon", subdomain="alice").status_code == 200


def test_pages_of_one_site_are_not_served_by_another(client, make_site, make_page):
    alice = make_site("alice")
    make_site("bobby")
    make_page(alice, "Private to alice", slug="hers", status="published")
    assert client.get("/hers", subdomain="bobby").status_code == 404


def test_suspended_site_is_410_with_reason(client, make_site, make_page):
    site = make_site("alice", status="suspended", status_reason="Spam reports")
    make_page(site, "Front", status="published", is_home=True)
    response = client.get("/", subdomain="alice")
    assert response.status_code == 410
    assert b"suspended" in response.data and b"Spam reports" in response.data


def test_deleted_site_is_410(client, make_site):
    make_site("alice", status="deleted", deleted_at=utcnow())
    response = client.get("/", subdomain="alice")
    assert response.status_code == 410
    assert b"deleted" in response.data


def test_page_html_is_rendered_on_save_not_per_request(client, app, make_site, make_page):
    site = make_site("alice")
    page = make_page(site, "Roses", "**bold**", status="published", slug="roses")
    assert page.html == "<p><strong>bold</strong></p>\n"
    with app.app_context():
        from sitemaker.models import Page

        stored = db.session.get(Page, page.id)
        stored.html = "<p>served as stored</p>"
        db.session.commit()
    assert b"served as stored" in client.get("/roses", subdomain="alice").data


def test_site_lookup_is_case_insensitive_and_stored_lower(app, make_site):
    make_site("alice")
    with app.app_context():
        from sitemaker.services.tenancy import find_site

        assert find_site("ALICE").subdomain == "alice"
        assert find_site("a.b") is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Site)) == 1
