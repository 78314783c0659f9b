"""WordPress exports (WXR 1.1 and 1.2) arrive as pages and posts with their dates, status,
excerpts, tags, menu and old links; the text is sanitized Markdown."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Site
from tests.importing import fixture, keys_of, pages_of, run_import, tags_of
from tests.test_transfer import signed_in


def test_a_wordpress_site_arrives(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", fixture("wordpress-1.2.xml"), "export.xml")
    assert status == "done", report
    assert (
        "From WordPress: 4 post(s), 1 page(s) (1 scheduled), 3 tag(s), 2 item(s) skipped" in report
    )
    pages = pages_of(app, "acme")
    assert set(pages) == {"hello-world", "about", "autumn-plans", "secret-notes", "half-written"}

    post = pages["hello-world"]
    assert (post.kind, post.status, post.title) == ("post", "published", "Hello tomatoes")
    assert post.published_at == datetime(2019, 5, 1, 10, 0)  # post_date_gmt, not local time
    assert post.description == "The first tomatoes of the year."
    body = post.body
    assert "The first **tomatoes** are [in](https://seeds.example/)." in body
    assert "## Planting" in body and "- Dig\n- Water" in body
    assert "> Patience." in body and "```\nwater = 2 * litres\n```" in body
    assert "| Kind | Days |" in body and "| Cherry | 60 |" in body
    assert "![A tomato](https://oldgarden.example/wp-content/uploads/2019/05/tomato.png)" in body
    for raw in ("wp:", "[caption", "[/caption]", "[gallery", "alert(", "iframe", "color:red"):
        assert raw not in body, raw
    assert "<h2>Planting</h2>" in post.html and "<script" not in post.html
    assert tags_of(app, "hello-world", "acme") == ["Tomatoes", "Vegetables"]  # no Uncategorized

    about = pages["about"]
    assert about.kind == "page" and about.body == "We grow food.\n\nMostly *beans*.\n"
    scheduled = pages["autumn-plans"]
    assert scheduled.status == "published" and scheduled.published_at == datetime(2100, 10, 1, 6)
    assert pages["secret-notes"].status == "draft"  # private
    assert pages["half-written"].status == "draft"

    assert "Skipped post 133 “Thrown away”: status 'trash'" in report
    assert "Skipped product 140 “A product”: type 'product' is a custom type" in report
    assert "1 attachment(s) listed" in report
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.subdomain == "acme"))
        nav = json.loads(site.navigation)
    assert nav == [pages["about"].id, pages["hello-world"].id]  # menu order 1, 2


def test_old_wordpress_links_answer_301(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    assert run_import(client, "acme", fixture("wordpress-1.2.xml"), "export.xml")[0] == "done"
    assert ("path", "2019/05/hello-world") in keys_of(app, "acme")
    visitor = app.test_client()
    for old, new in [
        ("/2019/05/hello-world/", "/hello-world"),
        ("/2019/05/hello-world", "/hello-world"),
        ("/?p=123", "/hello-world"),
        ("/?page_id=45", "/about"),
        ("/about/", "/about"),
    ]:
        response = visitor.get(old, subdomain="acme")
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new), (old, response.headers["Location"])
    # A scheduled post's old link is not revealed before it is visible: /?p=130 is the front
    # page, like an unknown id.
    for query in ("/?p=130", "/?p=999"):
        response = visitor.get(query, subdomain="acme")
        assert response.status_code == 200 and "Location" not in response.headers
        assert b"Garlic goes in" not in response.data
    assert visitor.get("/2020/01/nothing-here/", subdomain="acme").status_code == 404


def test_reimporting_the_same_export_adds_nothing(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    data = fixture("wordpress-1.2.xml")
    assert run_import(client, "acme", data, "export.xml")[0] == "done"
    before = pages_of(app, "acme")
    status, report = run_import(client, "acme", data, "export.xml")
    assert status == "done", report
    assert "0 post(s), 0 page(s)" in report
    assert "Skipped post 123 “Hello tomatoes”: imported before" in report
    assert set(pages_of(app, "acme")) == set(before)


def test_wxr_1_1_and_plugin_shortcodes(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", fixture("wordpress-1.1.xml"), "old.xml")
    assert status == "done", report
    page = pages_of(app, "acme")["cafe-opening"]
    assert page.title == "Café opening" and page.description == "Opening day."
    assert page.published_at == datetime(2012, 11, 15, 17, 30)
    assert page.body == "We open on **Monday**.\n\nSee you there.\n"
    assert tags_of(app, "cafe-opening", "acme") == ["News"]
    response = app.test_client().get("/2012/11/cafe-opening/", subdomain="acme")
    assert response.status_code == 301 and response.headers["Location"].endswith("/cafe-opening")


def test_imported_posts_are_never_mailed_to_subscribers(app, make_site, owner, login):
    """Readers of the old site read these posts already; subscribers get only new ones."""
    from sitemaker.models import NewsletterSend, Subscriber

    site = make_site("acme", owner=owner)
    with app.app_context():
        db.session.add(Subscriber(site_id=site.id, email="reader@example.org", status="confirmed"))
        db.session.commit()
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", fixture("wordpress-1.2.xml"), "export.xml")
    assert status == "done", report
    posts = {slug: page for slug, page in pages_of(app, "acme").items() if page.kind == "post"}
    with app.app_context():
        sends = {row.page_id: row.status for row in db.session.scalars(sa.select(NewsletterSend))}
    assert sends == {page.id: "skipped" for page in posts.values()}
