"""Tags: written in the editor and the API, shown as links, listed, fed, exported, imported."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from sitemaker.extensions import db
from sitemaker.models import Page, PageTag, Site
from sitemaker.services.pages import PageError
from sitemaker.services.tags import parse_tags, set_tags
from tests.api_helpers import make_token_fixture  # noqa: F401
from tests.dash_client import csrf_token

ATOM = "{http://www.w3.org/2005/Atom}"


def tag(app, page: Page, *names: str) -> None:
    with app.app_context():
        set_tags(db.session.get(Site, page.site_id), db.session.get(Page, page.id), names)
        db.session.commit()


def test_tags_are_normalised_to_slugs_once_each():
    assert parse_tags(" Python ,python, Ünïcode Téxt,, C++, البحر, 東京 タワー ") == [
        ("python", "Python"),
        ("unicode-text", "Ünïcode Téxt"),
        ("c", "C++"),
        ("البحر", "البحر"),
        ("東京-タワー", "東京 タワー"),
    ]
    with pytest.raises(PageError, match="up to 20"):
        parse_tags([f"t{n}" for n in range(21)])
    for junk in ("!!!", "_", "\u0301", "🙂"):
        with pytest.raises(PageError, match="letter or digit"):
            parse_tags(["ok", junk])


def test_a_tag_page_lists_its_posts_and_the_tags_page_counts(app, client, make_site, make_page):
    site = make_site("tagged")
    one = make_page(site, "Snakes", kind="post", status="published")
    two = make_page(site, "Pythons", kind="post", status="published")
    draft = make_page(site, "Hidden draft", kind="post")
    tag(app, one, "Reptiles", "Green")
    tag(app, two, "reptiles")
    tag(app, draft, "Reptiles", "Secret")
    page = client.get("/snakes", subdomain="tagged").text
    assert '<a rel="tag" href="/tag/reptiles">Reptiles</a>' in page
    listing = client.get("/tag/reptiles", subdomain="tagged").text
    assert "Snakes" in listing and "Pythons" in listing and "Hidden draft" not in listing
    assert '<link rel="alternate" type="application/atom+xml"' in listing
    counts = client.get("/tags", subdomain="tagged").text
    assert 'href="/tag/reptiles">' in counts and '<span class="count">2</span>' in counts
    assert "Secret" not in counts  # only on a draft
    assert client.get("/tag/secret", subdomain="tagged").status_code == 404
    assert client.get("/tag/nothing-here", subdomain="tagged").status_code == 404


def test_a_tag_has_its_own_atom_feed(app, client, make_site, make_page):
    site = make_site("fed")
    post = make_page(site, "Tagged post", kind="post", status="published")
    make_page(site, "Other post", kind="post", status="published")
    tag(app, post, "News")
    response = client.get("/tag/news/feed.xml", subdomain="fed")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.find(f"{ATOM}title").text == "Fed: News"
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Tagged post"]
    self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"][0]
    assert self_link.get("href") == "http://fed.example.test/tag/news/feed.xml"


def test_tag_pages_are_paginated_by_keyset(app, client, make_site, make_page):
    site = make_site("paged", posts_per_page=2)
    for n in range(5):
        tag(app, make_page(site, f"Entry {n}", kind="post", status="published"), "Series")
    first = client.get("/tag/series", subdomain="paged").text
    assert first.count('href="/entry-') == 2 and 'rel="next" href="/tag/series?before=' in first


def test_the_editor_saves_tags_and_rejects_too_many(app, signed_in, site, make_page):
    page = make_page(site, "Notes", kind="post", status="published")
    form = {
        "csrf_token": csrf_token(signed_in), "title": "Notes", "body": "x", "slug": "notes",
        "description": "", "status": "published", "version": "1", "tags": "Travel, Food, travel",
    }  # fmt: skip
    response = signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=form)
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalars(db.select(PageTag.slug).where(PageTag.page_id == page.id))
        assert sorted(stored) == ["food", "travel"]
    edit = signed_in.get(f"/admin/pages/{page.id}/edit?saved=1", subdomain="acme").text
    assert 'value="Food, Travel"' in edit
    form.update(version="2", tags=", ".join(f"t{n}" for n in range(21)))
    refused = signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=form)
    assert refused.status_code == 422 and "up to 20 tags" in refused.text


def test_the_api_reads_and_writes_tags(app, client, site, owner, make_token):
    token = make_token(site, owner)
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/pages", subdomain="acme", headers=headers,
        json={"title": "Via API", "kind": "post", "status": "published", "tags": ["Alpha", "beta"]},
    )  # fmt: skip
    assert created.status_code == 201, created.json
    assert created.json["tags"] == ["Alpha", "beta"]
    page_id = created.json["id"]
    changed = client.patch(
        f"/api/v1/pages/{page_id}", subdomain="acme", headers=headers,
        json={"version": created.json["version"], "tags": ["Gamma"]},
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json["tags"] == ["Gamma"]
    assert "Via API" in client.get("/tag/gamma", subdomain="acme").text
    # A name with no letter or digit has no address: left out, the rest is saved.
    kept = client.patch(
        f"/api/v1/pages/{page_id}", subdomain="acme", headers=headers,
        json={"version": changed.json["version"], "tags": ["!!!", "Gamma", "\u00ad"]},
    )  # fmt: skip
    assert kept.status_code == 200 and kept.json["tags"] == ["Gamma"]
    for bad in ("a,b", [1], [f"t{n}" for n in range(21)], ["x" * 61], ["a\x00"]):
        refused = client.patch(
            f"/api/v1/pages/{page_id}", subdomain="acme", headers=headers,
            json={"version": kept.json["version"], "tags": bad},
        )  # fmt: skip
        assert refused.status_code == 400, bad
        assert refused.json["field"] == "tags"
    schema = client.get("/api/v1/openapi.json", subdomain="acme").json
    tags_schema = schema["components"]["schemas"]["PageUpdate"]["properties"]["tags"]
    assert tags_schema["maxItems"] == 20 and tags_schema["items"]["maxLength"] == 60
    assert "tags" in schema["components"]["schemas"]["Page"]["properties"]


def test_tags_and_old_addresses_survive_export_and_import(app, make_site, make_page, owner):
    from sitemaker.services.pages import save_page
    from sitemaker.services.transfer import export_site
    from sitemaker.services.transfer_apply import import_site

    source = make_site("source")
    page = make_page(source, "Trip", kind="post", status="published", slug="trip")
    tag(app, page, "Travel", "Europe")
    with app.app_context():
        site, stored = db.session.get(Site, source.id), db.session.get(Page, page.id)
        save_page(site, stored, expected_version=1, title="Trip", body="x", slug="the-trip",
                  description="", status="published", published_at=None, author_id=None)  # fmt: skip
        db.session.commit()
        archive = export_site(db.session.get(Site, source.id))
    text = zipfile.ZipFile(io.BytesIO(archive)).read("pages/the-trip.md").decode()
    assert "tags:\n- Europe\n- Travel\n" in text and "old_slugs:\n- trip\n" in text
    target = make_site("target")
    with app.app_context():
        import_site(db.session.get(Site, target.id), archive, None)
        db.session.commit()
    client = app.test_client()
    assert "Trip" in client.get("/tag/europe", subdomain="target").text
    moved = client.get("/trip", subdomain="target")
    assert moved.status_code == 301 and moved.headers["Location"] == "/the-trip"


def test_a_tag_in_another_script_has_its_own_address(app, client, make_site, make_page):
    site = make_site("arabic", language="ar")
    post = make_page(site, "الميناء", "نص", kind="post", status="published", slug="harbour")
    tag(app, post, "البحر")
    page = client.get("/harbour", subdomain="arabic").text
    assert 'href="/tag/%D8%A7%D9%84%D8%A8%D8%AD%D8%B1"' in page
    listing = client.get("/tag/البحر", subdomain="arabic")
    assert listing.status_code == 200 and "الميناء" in listing.text


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [("tags: Travel", "'tags' must be a list of text"),
     ("tags: [1, 2]", "'tags' must be a list of text"),
     ("old_slugs: {a: b}", "'old_slugs' must be a list of text"),
     ("tags: [" + ", ".join(f"t{n}" for n in range(21)) + "]", "up to 20 tags")],
)  # fmt: skip
def test_an_import_with_bad_tags_is_refused_with_the_file_named(app, make_site, front_matter,
                                                                message):  # fmt: skip
    from sitemaker.services.transfer_apply import import_site
    from sitemaker.services.transfer_import import ImportRefused

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pages/trip.md", f"---\ntitle: Trip\n{front_matter}\n---\nText\n")
    target = make_site("strict")
    with app.app_context(), pytest.raises(ImportRefused) as refused:
        import_site(db.session.get(Site, target.id), buffer.getvalue(), None)
    assert "trip.md" in str(refused.value) and message in str(refused.value)
