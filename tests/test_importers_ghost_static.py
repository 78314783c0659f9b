"""Ghost exports and static-site zips (Hugo, Jekyll, Eleventy) arrive with their pages,
posts, tags, images in the zip and old links."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Media
from tests.dash_helpers import image_bytes
from tests.importing import fixture, keys_of, pages_of, run_import, tags_of
from tests.test_transfer import make_zip, signed_in


def test_a_ghost_site_arrives(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", fixture("ghost-5.json"), "studio.ghost.json")
    assert status == "done", report
    assert "From Ghost: 3 post(s), 1 page(s) (1 scheduled), 2 tag(s), 1 item(s) skipped" in report
    assert "Skipped post “Members only letter”: status 'sent' is not imported" in report
    pages = pages_of(app, "acme")
    assert set(pages) == {"welcome", "contact", "kiln-notes", "spring-sale"}
    welcome = pages["welcome"]
    assert (welcome.kind, welcome.status) == ("post", "published")
    assert welcome.published_at == datetime(2023, 4, 1, 8, 30)  # +02:00 moved to UTC
    assert welcome.description == "Our first post."
    assert welcome.body.startswith("We make *pots*.")
    assert "![A pot](https://studio.example/content/images/2023/04/pot.jpg)" in welcome.body
    assert "### Hours" in welcome.body and "1. Mon" in welcome.body
    assert "evil" not in welcome.body and "ignored when html exists" not in welcome.body
    assert tags_of(app, "welcome", "acme") == ["Ceramics", "News"]  # no #internal
    contact = pages["contact"]
    assert contact.kind == "page" and contact.body == "Write to **hello@studio.example**."
    kiln = pages["kiln-notes"]
    assert kiln.status == "draft" and kiln.body == "Cone six, slowly."  # from lexical
    assert pages["spring-sale"].published_at == datetime(2100, 3, 1, 8)
    assert ("source", "ghost:2f1c7d0e-1111-4a2b-9c3d-000000000001") in keys_of(app, "acme")
    response = app.test_client().get("/welcome/", subdomain="acme")
    assert response.status_code == 301 and response.headers["Location"].endswith("/welcome")


def test_ghost_slug_taken_here_redirects_to_the_renamed_page(
    app, make_site, make_page, owner, login
):
    site = make_site("acme", owner=owner)
    make_page(site, "Contact us", "Our own", slug="contact", status="published")
    client = signed_in(app, login, owner, "acme")
    assert run_import(client, "acme", fixture("ghost-5.json"), "g.json")[0] == "done"
    assert pages_of(app, "acme")["contact-2"].body == "Write to **hello@studio.example**."
    # /contact stays the site's own page; the old /contact/ of Ghost is ambiguous, and the
    # page that holds the address wins.
    visitor = app.test_client()
    assert b"Our own" in visitor.get("/contact", subdomain="acme").data
    response = visitor.get("/contact/", subdomain="acme")
    assert response.status_code == 301 and response.headers["Location"].endswith("/contact")


HUGO = {
    "hugo.toml": "baseURL = 'https://blog.example/'\ntitle = 'Pots'\n",
    "content/_index.md": "---\ntitle: Home\n---\nList page",
    "content/about.md": "---\ntitle: About me\ndraft: true\ndescription: Who I am\n---\n"
    "I throw pots. ![Logo](/images/logo.png)\n",
    "content/posts/first-post.md": "+++\ntitle = 'First post'\ndate = 2020-01-02T03:04:05+01:00\n"
    "tags = ['clay', 'glaze']\naliases = ['/old/first/']\n+++\nHello from Hugo.\n",
    "content/posts/bundle/index.md": "---\ntitle: A bundle\ndate: 2021-05-06\nslug: my-bundle\n"
    '---\n![Photo](photo.png "A photo") and ![gone](missing.png)\n',
    "content/posts/bundle/photo.png": image_bytes("PNG", (30, 20), (10, 200, 10)),
    "static/images/logo.png": image_bytes("PNG", (16, 16), (0, 0, 200)),
}


def test_a_hugo_folder_arrives_with_its_images(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", make_zip(HUGO), "site.zip")
    assert status == "done", report
    assert "Imported 3 page(s) and 2 file(s)." in report
    assert "image missing.png is not in the zip; link kept" in report
    pages = pages_of(app, "acme")
    assert set(pages) == {"about", "first-post", "my-bundle"}
    first = pages["first-post"]
    assert (first.kind, first.status) == ("post", "published")
    assert first.published_at == datetime(2020, 1, 2, 2, 4, 5)
    assert tags_of(app, "first-post", "acme") == ["clay", "glaze"]
    about = pages["about"]
    assert (about.kind, about.status, about.description) == ("page", "draft", "Who I am")
    with app.app_context():
        stored = set(db.session.scalars(sa.select(Media.stored_name)))
    assert len(stored) == 2 and all(name.endswith(".png") for name in stored)
    bundle = pages["my-bundle"].body
    assert any(f'![Photo](/media/{name} "A photo")' in bundle for name in stored), bundle
    assert "![gone](missing.png)" in bundle
    assert any(f"![Logo](/media/{name})" in about.body for name in stored)
    visitor = app.test_client()
    for old, new in [("/posts/first-post/", "/first-post"), ("/old/first/", "/first-post"),
                     ("/posts/bundle/", "/my-bundle")]:  # fmt: skip
        response = visitor.get(old, subdomain="acme")
        assert response.status_code == 301 and response.headers["Location"].endswith(new), old


def test_jekyll_and_eleventy_layouts(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    files = {
        "_config.yml": "title: Blog\n",
        "_posts/2020-02-03-kiln-day.md": "---\nlayout: post\ntitle: Kiln day\ncategories: studio\n"
        "tags: fire ash\n---\nHot. ![Ash](../assets/ash.png)\n",
        "_drafts/idea.md": "---\ntitle: An idea\npublished: false\n---\nLater.\n",
        "assets/ash.png": image_bytes("PNG", (12, 12), (90, 90, 90)),
        "posts/eleventy-post.md": "---\ntitle: Eleventy post\ndate: 2021-06-01\n"
        "tags: [posts, pottery]\npermalink: /notes/eleventy/\n---\nFrom 11ty.\n",
    }
    status, report = run_import(client, "acme", make_zip(files), "blog.zip")
    assert status == "done", report
    pages = pages_of(app, "acme")
    kiln = pages["kiln-day"]
    assert kiln.kind == "post" and kiln.published_at == datetime(2020, 2, 3)
    assert kiln.body.startswith("Hot. ![Ash](/media/") and kiln.status == "published"
    assert tags_of(app, "kiln-day", "acme") == ["ash", "fire", "studio"]
    assert pages["idea"].status == "draft"
    assert tags_of(app, "eleventy-post", "acme") == ["pottery"]
    visitor = app.test_client()
    for old, new in [("/studio/2020/02/03/kiln-day.html", "/kiln-day"),
                     ("/notes/eleventy/", "/eleventy-post")]:  # fmt: skip
        response = visitor.get(old, subdomain="acme")
        assert response.status_code == 301 and response.headers["Location"].endswith(new), old
    again = run_import(client, "acme", make_zip(files), "blog.zip")
    assert again[0] == "done" and "0 post(s), 0 page(s)" in again[1]
    assert set(pages_of(app, "acme")) == set(pages)


def test_a_plain_markdown_zip_still_uses_the_sitemaker_reader(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", make_zip({"notes.md": "# Notes\nx"}), "n.zip")
    assert status == "done" and "From the static site" not in report
    assert pages_of(app, "acme")["notes"].status == "draft"
