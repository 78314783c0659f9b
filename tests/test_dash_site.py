"""History, trash, navigation, settings and the overview of the dashboard."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Media, Page, PageRevision, Site
from sitemaker.models.common import utcnow
from tests.dash_client import add_member, csrf_token


def load(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def save(client, page_id, version, body, title="Doc", slug="doc"):
    return client.post(
        f"/admin/pages/{page_id}/edit", subdomain="acme",
        data={"csrf_token": csrf_token(client), "title": title, "slug": slug, "body": body,
              "description": "", "status": "draft", "published_at": "", "version": str(version)},
    )  # fmt: skip


def test_revisions_list_diff_and_restore(app, signed_in, site, make_page):
    page = make_page(site, "Doc", "first line\nsecond line", slug="doc")
    assert save(signed_in, page.id, 1, "first line\nchanged line").status_code == 302
    with app.app_context():
        first = db.session.scalar(
            sa.select(PageRevision).where(PageRevision.page_id == page.id).order_by(PageRevision.id)
        )
        first_id = first.id
    listing = signed_in.get(f"/admin/pages/{page.id}/revisions?rev={first_id}", subdomain="acme")
    assert listing.status_code == 200
    assert b'<span class="del">\xe2\x88\x92 second line</span>' in listing.data
    assert b'<span class="add">+ changed line</span>' in listing.data
    response = signed_in.post(
        f"/admin/pages/{page.id}/revisions/{first_id}/restore",
        subdomain="acme",
        data={"csrf_token": csrf_token(signed_in)},
    )
    assert response.status_code == 302
    restored = load(app, Page, page.id)
    assert restored.body == "first line\nsecond line" and restored.version == 3
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(PageRevision.reason)
            .where(PageRevision.page_id == page.id)
            .order_by(PageRevision.id)
        ).all()
    assert reasons == ["save", "save", "restore"]


def test_revision_of_another_page_or_site_is_404(
    signed_in, site, make_site, make_user, make_page, app
):
    mine = make_page(site, "Mine", slug="mine")
    theirs = make_page(make_site("other", owner=make_user()), "Theirs", "secret", slug="theirs")
    with app.app_context():
        their_rev = db.session.scalar(
            sa.select(PageRevision.id).where(PageRevision.page_id == theirs.id)
        )
    response = signed_in.get(f"/admin/pages/{mine.id}/revisions?rev={their_rev}", subdomain="acme")
    assert response.status_code == 404 and b"secret" not in response.data
    response = signed_in.post(
        f"/admin/pages/{mine.id}/revisions/{their_rev}/restore",
        subdomain="acme",
        data={"csrf_token": csrf_token(signed_in)},
    )
    assert response.status_code == 404
    assert load(app, Page, mine.id).body == "Hello *world*"


def test_trash_restore_and_empty(app, signed_in, site, make_page):
    page = make_page(site, "Published", "live", slug="live", status="published")
    before = load(app, Site, site.id).content_version
    token = csrf_token(signed_in)
    signed_in.post(f"/admin/pages/{page.id}/trash", subdomain="acme", data={"csrf_token": token})
    assert signed_in.get("/live", subdomain="acme").status_code == 404
    assert load(app, Site, site.id).content_version == before + 1
    trash = signed_in.get("/admin/trash", subdomain="acme")
    assert b"Published" in trash.data and b"Gone for good" in trash.data
    assert signed_in.get(f"/admin/pages/{page.id}/edit", subdomain="acme").status_code == 404
    signed_in.post(f"/admin/trash/{page.id}/restore", subdomain="acme", data={"csrf_token": token})
    assert signed_in.get("/live", subdomain="acme").status_code == 200
    signed_in.post(f"/admin/pages/{page.id}/trash", subdomain="acme", data={"csrf_token": token})
    response = signed_in.post("/admin/trash/empty", subdomain="acme", data={"csrf_token": token})
    assert response.status_code == 302
    assert load(app, Page, page.id) is None
    with app.app_context():
        assert not db.session.scalars(
            sa.select(PageRevision).where(PageRevision.page_id == page.id)
        ).all()


def test_trash_expires_after_trash_days(app, signed_in, site, make_page):
    old = make_page(site, "Old", slug="old")
    recent = make_page(site, "Recent", slug="recent")
    with app.app_context():
        db.session.get(Page, old.id).deleted_at = utcnow() - timedelta(days=31)
        db.session.get(Page, recent.id).deleted_at = utcnow() - timedelta(days=29)
        db.session.commit()
    trash = signed_in.get("/admin/trash", subdomain="acme")
    assert b"Recent" in trash.data and b"Old" not in trash.data
    assert load(app, Page, old.id) is None and load(app, Page, recent.id) is not None


def test_emptying_the_trash_spares_other_sites(
    app, signed_in, site, make_site, make_user, make_page
):
    theirs = make_page(make_site("other", owner=make_user()), "Theirs", slug="theirs")
    with app.app_context():
        db.session.get(Page, theirs.id).deleted_at = utcnow()
        db.session.commit()
    token = csrf_token(signed_in)
    signed_in.post("/admin/trash/empty", subdomain="acme", data={"csrf_token": token})
    assert (
        signed_in.post(
            f"/admin/trash/{theirs.id}/restore", subdomain="acme", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert load(app, Page, theirs.id) is not None


def test_navigation_chooses_pages_and_order(app, signed_in, site, make_page):
    a = make_page(site, "Alpha", slug="alpha", status="published")
    b = make_page(site, "Beta", slug="beta", status="published")
    c = make_page(site, "Gamma", slug="gamma", status="published")
    before = load(app, Site, site.id).content_version
    response = signed_in.post(
        "/admin/navigation", subdomain="acme",
        data={"csrf_token": csrf_token(signed_in), "include": [str(a.id), str(c.id)],
              f"position-{a.id}": "5", f"position-{b.id}": "1", f"position-{c.id}": "junk"},
    )  # fmt: skip
    assert response.status_code == 302
    stored = load(app, Site, site.id)
    assert json.loads(stored.navigation) == [c.id, a.id]  # junk keeps its place (3rd)
    assert stored.content_version == before + 1
    home = signed_in.get("/", subdomain="acme").data.decode()
    assert "/gamma" in home and "/alpha" in home and "/beta" not in home.split("<main")[0]


def test_settings_save_and_bad_input(app, signed_in, site):
    token = csrf_token(signed_in)
    fields = {"csrf_token": token, "title": "Acme Works", "tagline": "We build", "description": "",
              "theme": "plain", "custom_css": "body { color: red }", "favicon": ""}  # fmt: skip
    response = signed_in.post("/admin/settings", subdomain="acme", data=fields)
    assert response.status_code == 302
    stored = load(app, Site, site.id)
    assert (stored.title, stored.custom_css, stored.noindex) == (
        "Acme Works",
        "body { color: red }",
        False,
    )
    for bad, message in [
        ({"custom_css": "a{}" * 20_000}, b"the limit is 50 kB"),
        ({"theme": "../../etc"}, b"Not a valid choice"),
        ({"favicon": "someone-elses.png"}, b"Not a valid choice"),
        ({"title": ""}, b"This field is required"),
    ]:
        response = signed_in.post("/admin/settings", subdomain="acme", data={**fields, **bad})
        assert response.status_code == 422, bad
        assert message in response.data, bad
        assert load(app, Site, site.id).title == "Acme Works"
    # The CSS is never inlined into the dashboard or the site.
    assert b"color: red" not in signed_in.get("/", subdomain="acme").data


def test_settings_save_without_images_to_choose_from(app, signed_in, site):
    """With no images the page shows no favicon select, so the browser sends no favicon."""
    page = signed_in.get("/admin/settings", subdomain="acme").data
    assert b'name="favicon"' not in page
    fields = {"csrf_token": csrf_token(signed_in), "title": "Acme", "theme": "journal"}
    response = signed_in.post("/admin/settings", subdomain="acme", data=fields)
    assert response.status_code == 302
    stored = load(app, Site, site.id)
    assert (stored.theme, stored.favicon) == ("journal", None)


def test_settings_favicon_from_the_sites_images(app, signed_in, site, make_site, make_user):
    other = make_site("other", owner=make_user())
    with app.app_context():
        for site_id, name in ((site.id, "abc.png"), (other.id, "theirs.png")):
            db.session.add(Media(site_id=site_id, stored_name=name, original_name=name,
                                 content_type="image/png", size=10, sha256="0" * 64))  # fmt: skip
        db.session.commit()
    page = signed_in.get("/admin/settings", subdomain="acme").data
    assert b"abc.png" in page and b"theirs.png" not in page
    response = signed_in.post(
        "/admin/settings", subdomain="acme",
        data={"csrf_token": csrf_token(signed_in), "title": "Acme", "theme": "plain", "favicon": "abc.png"},
    )  # fmt: skip
    assert response.status_code == 302 and load(app, Site, site.id).favicon == "abc.png"


def test_overview_counts_and_storage(app, signed_in, site, make_page):
    make_page(site, "P1", slug="p1", status="published")
    make_page(site, "Post draft", slug="d1", kind="post")
    make_page(site, "Later", slug="later", kind="post", status="published",
              published_at=utcnow() + timedelta(days=3))  # fmt: skip
    with app.app_context():
        db.session.add(Media(site_id=site.id, stored_name="x.png", original_name="x.png",
                             content_type="image/png", size=2048, sha256="0" * 64))  # fmt: skip
        db.session.commit()
    page = signed_in.get("/admin/", subdomain="acme").data.decode()
    assert "<strong>1</strong><span>pages</span>" in page
    assert "<strong>2</strong><span>posts</span>" in page
    assert "<strong>1</strong><span>drafts</span>" in page
    assert "<strong>1</strong><span>scheduled</span>" in page
    assert "2.0 kB" in page and "Later" in page and 'href="/"' in page


def test_sidebar_follows_the_role(app, client, site, make_user, login):
    editor = make_user("editor@example.org")
    add_member(app, site, editor, "editor")
    login(client, editor, "acme")
    page = client.get("/admin/", subdomain="acme").data
    assert b'href="/admin/pages?kind=post"' in page and b'href="/admin/trash"' in page
    assert b'href="/admin/settings"' not in page and b'href="/admin/navigation"' not in page
    assert client.get("/admin/settings", subdomain="acme").status_code == 403
    # Every member who writes may make API tokens for themselves, so the link is theirs too.
    assert b'href="/admin/tokens"' in page
    assert client.get("/admin/tokens", subdomain="acme").status_code == 200


def test_dash_pages_carry_no_inline_script(signed_in, site, make_page):
    """The dashboard must run under a CSP without 'unsafe-inline': behaviour comes from the
    bundle and data-* attributes only."""
    import re

    page = make_page(site, "Doc", "<img src=x onerror=alert(1)> *hi*", slug="doc")
    for path in ("/admin/", "/admin/pages", "/admin/pages?kind=post", "/admin/pages/new",
                 f"/admin/pages/{page.id}/edit", f"/admin/pages/{page.id}/revisions",
                 "/admin/trash", "/admin/navigation", "/admin/settings"):  # fmt: skip
        html = signed_in.get(path, subdomain="acme").data.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        outside_text = re.sub(r"<textarea.*?</textarea>|<pre.*?</pre>", "", html, flags=re.S)
        assert not re.search(r"\son[a-z]+\s*=", outside_text), path
        assert "javascript:" not in html, path
