"""Old links keep working: a renamed page answers at its old address with a 301."""

from __future__ import annotations

from sitemaker.extensions import db
from sitemaker.models import Page, Site, SlugRedirect
from sitemaker.services.pages import save_page
from tests.api_helpers import make_token_fixture  # noqa: F401
from tests.dash_client import csrf_token


def rename(app, page: Page, slug: str, status: str = "published") -> None:
    with app.app_context():
        stored = db.session.get(Page, page.id)
        save_page(db.session.get(Site, page.site_id), stored, expected_version=stored.version,
                  title=stored.title, body=stored.body, slug=slug, description="",
                  status=status, published_at=stored.published_at, author_id=None)  # fmt: skip
        db.session.commit()


def test_a_renamed_page_answers_301_at_every_old_address(app, client, make_site, make_page):
    site = make_site("moved")
    page = make_page(site, "Story", status="published", slug="first")
    rename(app, page, "second")
    rename(app, page, "third")
    for old in ("first", "second"):
        response = client.get(f"/{old}", subdomain="moved")
        assert response.status_code == 301 and response.headers["Location"] == "/third"
    assert "Story" in client.get("/third", subdomain="moved").text
    assert client.get("/never-existed", subdomain="moved").status_code == 404
    # Back to an old slug: that address is the page's own again, no loop.
    rename(app, page, "first")
    assert client.get("/first", subdomain="moved").status_code == 200
    assert client.get("/third", subdomain="moved").headers["Location"] == "/first"


def test_a_freed_slug_taken_by_another_page_wins(app, client, make_site, make_page):
    site = make_site("reuse")
    old = make_page(site, "Old page", status="published", slug="about")
    rename(app, old, "about-us")
    assert client.get("/about", subdomain="reuse").status_code == 301
    make_page(site, "New about", "The new one.", status="published", slug="about")
    response = client.get("/about", subdomain="reuse")
    assert response.status_code == 200 and "The new one." in response.text
    with app.app_context():
        left = db.session.scalars(db.select(SlugRedirect.old_slug)).all()
    assert "about" not in left


def test_a_draft_or_trashed_target_is_404_not_a_redirect(app, client, make_site, make_page):
    site = make_site("hidden")
    page = make_page(site, "Story", status="published", slug="one")
    rename(app, page, "two", status="draft")
    assert client.get("/one", subdomain="hidden").status_code == 404


def test_the_editor_and_the_api_leave_redirects(app, client, signed_in, site, make_page,
                                               owner, make_token):  # fmt: skip
    page = make_page(site, "Edited", kind="post", status="published", slug="edited")
    form = {"csrf_token": csrf_token(signed_in), "title": "Edited", "body": "x",
            "slug": "edited-again", "description": "", "status": "published", "version": "1"}  # fmt: skip
    assert (
        signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=form).status_code
        == 302
    )
    assert signed_in.get("/edited", subdomain="acme").headers["Location"] == "/edited-again"
    token = make_token(site, owner)
    response = client.patch(
        f"/api/v1/pages/{page.id}", subdomain="acme",
        headers={"Authorization": f"Bearer {token}"}, json={"version": 2, "slug": "via-api"},
    )  # fmt: skip
    assert response.status_code == 200, response.json
    anonymous = app.test_client()
    for old in ("edited", "edited-again"):
        assert anonymous.get(f"/{old}", subdomain="acme").headers["Location"] == "/via-api"


def test_a_renamed_home_page_redirects_to_the_front(app, client, make_site, make_page):
    site = make_site("homer")
    page = make_page(site, "Home", status="published", slug="welcome", is_home=True)
    rename(app, page, "hello")
    assert client.get("/welcome", subdomain="homer").headers["Location"] == "/"
