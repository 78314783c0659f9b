"""The readers' pages (index pages, tags, the archive, feeds) are kept by the front and page
caches like every visitor page, and a publish, a tag change or a settings change made by
another process shows on the very next request. Two app objects on one database stand for two
processes; the second test shares the board and the page cache through Redis."""

from __future__ import annotations

import uuid

import pytest

from sitemaker.extensions import db
from sitemaker.models import Page, Site
from sitemaker.services.pages import create_page
from sitemaker.services.tags import set_tags
from tests.components import redis_url
from tests.test_front_cache import counting

PATHS = ("/", "/tag/garden", "/tags", "/archive", "/feed.xml", "/tag/garden/feed.xml")


def write(app, how) -> None:
    with app.app_context():
        how()
        db.session.commit()


def seed(writer, site_id: int) -> int:
    ids = []

    def add() -> None:
        site = db.session.get(Site, site_id)
        for n in range(3):
            page = create_page(site, f"Bed {n}", "soil", kind="post", status="published")
            set_tags(site, page, ["Garden"])
            ids.append(page.id)

    write(writer, add)
    return ids[-1]


def warm(client, paths, subdomain: str) -> None:
    for path in paths:
        for _ in range(2):
            assert client.get(path, subdomain=subdomain).status_code == 200, path


def check_fresh(reader, writer, site_id: int, subdomain: str) -> None:
    client = reader.test_client()
    warm(client, PATHS, subdomain)
    older = client.get("/", subdomain=subdomain).text.split('rel="next" href="')[1].split('"')[0]
    warm(client, [older.replace("&amp;", "&")], subdomain)
    with counting(reader) as seen:
        for path in PATHS:
            client.get(path, subdomain=subdomain)
    assert seen["flask"] == 0  # all of them were kept by the front

    def publish() -> None:
        site = db.session.get(Site, site_id)
        page = create_page(site, "Fresh tomato", "new", kind="post", status="published")
        set_tags(site, page, ["Garden", "Tomato"])

    write(writer, publish)
    for path in PATHS:
        if path != "/tags":
            assert "Fresh tomato" in client.get(path, subdomain=subdomain).text, path
    assert 'href="/tag/tomato"' in client.get("/tags", subdomain=subdomain).text

    def untag() -> None:
        site = db.session.get(Site, site_id)
        page = db.session.scalar(db.select(Page).where(Page.slug == "fresh-tomato"))
        set_tags(site, page, ["Garden"])

    warm(client, PATHS, subdomain)
    write(writer, untag)
    assert 'href="/tag/tomato"' not in client.get("/tags", subdomain=subdomain).text
    assert client.get("/tag/tomato", subdomain=subdomain).status_code == 404

    def settings() -> None:
        site = db.session.get(Site, site_id)
        site.language = "he"
        site.posts_per_page = 1
        site.bump_content_version()

    warm(client, PATHS, subdomain)
    write(writer, settings)
    front = client.get("/", subdomain=subdomain).text
    assert '<html lang="he" dir="rtl">' in front and front.count('href="/bed-') == 0
    assert front.count('href="/fresh-tomato"') == 1


@pytest.fixture
def two_processes(make_app, make_site):
    def make(subdomain: str, **config):
        reader, writer = make_app(**config), make_app(**config)
        site = make_site(subdomain, posts_per_page=2)
        seed(writer, site.id)
        return reader, writer, site

    return make


def test_reader_pages_are_fresh_after_changes_in_another_process(two_processes):
    reader, writer, site = two_processes("garden")
    check_fresh(reader, writer, site.id, "garden")


def test_reader_pages_are_fresh_across_servers_sharing_redis(two_processes):
    prefix = f"sitemaker-test-{uuid.uuid4().hex[:8]}:"
    reader, writer, site = two_processes("gardens", REDIS_URL=redis_url(), CACHE_KEY_PREFIX=prefix)
    check_fresh(reader, writer, site.id, "gardens")
