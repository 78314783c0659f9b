"""A site's language: validated, on <html lang>, right to left where the script is, dates
written the language's way on visitor pages; a page may say it is in another language."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

import pytest

from sitemaker.extensions import db
from sitemaker.models import Page, Site
from sitemaker.services.language import direction, normalize
from tests.dash_client import csrf_token


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("en", "en"), ("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), (" AR ", "ar"),
     ("de_CH", "de-CH"), ("he", "he")],
)  # fmt: skip
def test_known_language_tags_are_normalised(raw, tag):
    assert normalize(raw) == tag


@pytest.mark.parametrize(
    "raw", ["", "english", "xx", "en-", "-en", "e", "en-US-" + "x" * 40, "<script>", "en\x00", "12"]
)
def test_unknown_or_malformed_tags_are_refused(raw):
    assert normalize(raw) is None


def test_direction_follows_the_script():
    assert [direction(t) for t in ("ar", "he", "fa", "ur", "en", "ja")] == [
        "rtl", "rtl", "rtl", "rtl", "ltr", "ltr",
    ]  # fmt: skip


def test_pages_carry_the_language_direction_and_localized_dates(app, client, make_site, make_page):
    site = make_site("arabic", language="ar", title="مدونة")
    make_page(site, "مرحبا", "نص", kind="post", status="published", slug="hello",
              published_at=datetime(2026, 3, 9, 12))  # fmt: skip
    page = client.get("/hello", subdomain="arabic").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "٩ مارس ٢٠٢٦" in page or "9 مارس 2026" in page
    assert "March" not in page
    front = client.get("/", subdomain="arabic").text
    # The list uses the language's medium date: day/month/year with right-to-left marks.
    assert '<html lang="ar" dir="rtl">' in front and "09\u200f/03\u200f/2026" in front
    assert "Mar" not in front
    archive = client.get("/archive", subdomain="arabic").text
    assert "مارس" in archive
    feed = ET.fromstring(client.get("/feed.xml", subdomain="arabic").data)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"


def test_a_page_may_override_the_site_language(app, client, make_site, make_page):
    site = make_site("mixed", language="fr")
    page = make_page(site, "Shalom", "x", kind="post", status="published", slug="shalom",
                     published_at=datetime(2026, 12, 3))  # fmt: skip
    french = client.get("/", subdomain="mixed").text
    assert '<html lang="fr">' in french and "déc. 2026" in french
    with app.app_context():
        stored = db.session.get(Page, page.id)
        stored.language = "he"
        db.session.get(Site, site.id).bump_content_version()
        db.session.commit()
    hebrew = client.get("/shalom", subdomain="mixed").text
    assert '<html lang="he" dir="rtl">' in hebrew and "בדצמבר" in hebrew
    feed = client.get("/feed.xml", subdomain="mixed").text
    assert 'xml:lang="he"' in feed


def test_settings_validate_and_save_the_reader_settings(app, signed_in, site):
    base = {"csrf_token": csrf_token(signed_in), "title": "Acme", "theme": "plain"}
    good = {**base, "language": "pt-br", "posts_per_page": "7", "blog_path": "Notes"}
    assert signed_in.post("/admin/settings", subdomain="acme", data=good).status_code == 302
    with app.app_context():
        stored = db.session.get(Site, site.id)
        assert (stored.language, stored.posts_per_page, stored.blog_path) == ("pt-BR", 7, "notes")
    for field, value, message in [
        ("language", "klingon", "not a language tag we know"),
        ("language", "", "Give the site&#39;s language"),
        ("posts_per_page", "0", "from 1 to 100"),
        ("posts_per_page", "abc", "from 1 to 100"),
        ("posts_per_page", "1000", "from 1 to 100"),
        ("blog_path", "a/b", "lower-case letters"),
        ("blog_path", "admin", "used by the site itself"),
    ]:
        response = signed_in.post("/admin/settings", subdomain="acme", data={**good, field: value})
        assert response.status_code == 422, (field, value)
        assert message in response.text, (field, value)


def test_the_editor_sets_a_page_language_and_refuses_unknown_ones(app, signed_in, site, make_page):
    page = make_page(site, "Bonjour", "x", status="published", slug="bonjour")
    form = {"csrf_token": csrf_token(signed_in), "title": "Bonjour", "body": "x",
            "slug": "bonjour", "description": "", "status": "published", "version": "1"}  # fmt: skip
    refused = signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme",
                             data={**form, "language": "elvish"})  # fmt: skip
    assert refused.status_code == 422 and "not a language tag we know" in refused.text
    saved = signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme",
                           data={**form, "language": "FR-ca"})  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Page, page.id).language == "fr-CA"
    assert '<html lang="fr-CA">' in signed_in.get("/bonjour", subdomain="acme").text
