"""Visitor HTTP caching: validators, 304s that render nothing, the page cache shared by
processes (two app objects on one database), scheduled posts, and Redis."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import UTC, timedelta

import pytest
from flask import template_rendered

from sitemaker.extensions import cache, db
from sitemaker.front_cache import FrontCache
from sitemaker.models import Page, Site
from sitemaker.models.common import utcnow
from sitemaker.services.http_cache import page_key
from tests.components import redis_url


@contextmanager
def counting_renders(app):
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(record, app)


def publish(app, site_id: int, slug: str, title: str) -> None:
    """What the dashboard does: change content and bump the version in one transaction."""
    with app.app_context():
        page = db.session.scalar(db.select(Page).where(Page.site_id == site_id, Page.slug == slug))
        page.title = title
        db.session.get(Site, site_id).bump_content_version()
        db.session.commit()


def test_visitor_response_has_validators_and_shared_cache_headers(
    app, client, make_site, make_page
):
    app.config.update(VISITOR_MAX_AGE=30, VISITOR_S_MAXAGE=900)
    site = make_site("alice")
    make_page(site, "About", status="published")
    response = client.get("/about", subdomain="alice")
    assert response.status_code == 200
    assert response.headers["ETag"].strip('"')
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.cache_control.public
    assert response.cache_control.max_age == 30
    assert response.cache_control.s_maxage == 900


def test_browsers_revalidate_by_default_so_changes_show_at_once(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    response = client.get("/about", subdomain="alice")
    assert response.cache_control.max_age == 0
    again = client.get(
        "/about", subdomain="alice", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_etag_differs_by_path_and_host(client, make_site, make_page):
    alice, bob = make_site("alice"), make_site("bob")
    for site in (alice, bob):
        make_page(site, "About", status="published")
        make_page(site, "Contact", status="published")
    tags = {
        client.get(path, subdomain=sub).headers["ETag"]
        for sub in ("alice", "bob")
        for path in ("/about", "/contact")
    }
    assert len(tags) == 4


def test_if_none_match_gets_304_without_rendering(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", "Words", status="published")
    etag = client.get("/about", subdomain="alice").headers["ETag"]
    with counting_renders(app) as rendered:
        response = client.get("/about", subdomain="alice", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert rendered == []


def test_304_without_rendering_even_when_the_page_cache_is_cold(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", "Words", status="published")
    etag = client.get("/about", subdomain="alice").headers["ETag"]
    with app.app_context():
        cache.clear()
    with counting_renders(app) as rendered:
        response = client.get("/about", subdomain="alice", headers={"If-None-Match": etag})
    assert response.status_code == 304 and rendered == []


def test_if_modified_since(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    first = client.get("/about", subdomain="alice")
    modified = first.headers["Last-Modified"]
    assert (
        client.get("/about", subdomain="alice", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    again = client.get("/about", subdomain="alice", headers={"If-Modified-Since": old})
    assert again.status_code == 200 and b"About" in again.data
    junk = client.get("/about", subdomain="alice", headers={"If-Modified-Since": "yesterday-ish"})
    assert junk.status_code == 200


def test_stale_etag_gets_the_new_page(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    etag = client.get("/about", subdomain="alice").headers["ETag"]
    publish(app, site.id, "about", "About us")
    response = client.get("/about", subdomain="alice", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"About us" in response.data
    assert response.headers["ETag"] != etag


def test_second_request_is_served_from_the_page_cache(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", "Words", status="published")
    first = client.get("/about", subdomain="alice")
    with counting_renders(app) as rendered:
        second = client.get("/about", subdomain="alice")
    assert rendered == []
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]


def test_publish_in_one_process_is_seen_by_another_at_once(make_app, make_site, make_page):
    one, two = make_app(), make_app()
    site = make_site("alice")
    make_page(site, "About", "Words", status="published")
    c1, c2 = one.test_client(), two.test_client()
    assert b"<h1>About</h1>" in c1.get("/about", subdomain="alice").data
    assert b"<h1>About</h1>" in c2.get("/about", subdomain="alice").data  # both caches warm
    publish(one, site.id, "about", "Renamed")
    assert b"<h1>Renamed</h1>" in c2.get("/about", subdomain="alice").data
    assert b"<h1>Renamed</h1>" in c1.get("/about", subdomain="alice").data


def test_cached_front_page_shows_a_scheduled_post_once_it_is_due(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Old news", kind="post", status="published")
    make_page(
        site, "Scheduled", kind="post", status="published",
        published_at=utcnow() + timedelta(hours=1),
    )  # fmt: skip
    first = client.get("/", subdomain="alice")
    assert b"Old news" in first.data and b"Scheduled" not in first.data
    assert client.get("/feed.xml", subdomain="alice").data.count(b"<entry>") == 1
    # Each cached entry knows when it goes stale: when the scheduled post is due.
    with app.app_context():
        page = db.session.scalar(db.select(Page).where(Page.slug == "scheduled"))
        due = page.published_at
        # Time passes (no write that would bump the content version): move the post and the
        # entries' horizon into the past, as the clock reaching them would.
        page.published_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    for path in ("/", "/feed.xml"):
        with app.test_request_context(path, base_url="http://alice.example.test"):
            key = page_key(db.session.get(Site, site.id))
            entry = cache.get(key)
            assert entry.valid_until == due
            entry.valid_until = utcnow() - timedelta(seconds=1)
            cache.set(key, entry)
    # The front cache (finished responses in this process) keeps the same horizon.
    front = app.wsgi_app
    assert isinstance(front, FrontCache) and len(front) > 0
    front.clock = lambda: due.replace(tzinfo=UTC).timestamp() + 1
    response = client.get("/", subdomain="alice", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert b"Scheduled" in response.data
    assert client.get("/feed.xml", subdomain="alice").data.count(b"<entry>") == 2


def test_drafts_and_errors_are_not_cached(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Draft", slug="later")
    response = client.get("/later", subdomain="alice")
    assert response.status_code == 404 and "ETag" not in response.headers
    with app.app_context():
        page = db.session.scalar(db.select(Page).where(Page.slug == "later"))
        page.status, page.published_at = "published", utcnow()
        db.session.get(Site, site.id).bump_content_version()
        db.session.commit()
    assert client.get("/later", subdomain="alice").status_code == 200


def test_query_strings_do_not_multiply_cache_entries(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    client.get("/about", subdomain="alice")
    with counting_renders(app) as rendered:
        response = client.get("/about?utm=1&x=" + "y" * 50, subdomain="alice")
    assert response.status_code == 200 and rendered == []


def test_page_cache_in_redis_is_shared_by_processes(make_app, make_site, make_page):
    url = redis_url()
    prefix = f"sitemaker-test-{uuid.uuid4().hex[:8]}:"
    config = {"REDIS_URL": url, "CACHE_KEY_PREFIX": prefix}
    one, two = make_app(**config), make_app(**config)
    assert one.config["CACHE_TYPE"] == "RedisCache"
    site = make_site("alice")
    make_page(site, "About", "Words", status="published")
    try:
        first = one.test_client().get("/about", subdomain="alice")
        assert first.status_code == 200
        with counting_renders(two) as rendered:
            second = two.test_client().get("/about", subdomain="alice")
        assert rendered == []  # rendered by the other process, read from Redis
        assert second.data == first.data
        publish(one, site.id, "about", "Renamed")
        assert b"<h1>Renamed</h1>" in two.test_client().get("/about", subdomain="alice").data
    finally:
        import redis

        connection = redis.Redis.from_url(url)
        keys = list(connection.scan_iter(match=f"{prefix}*"))
        if keys:
            connection.delete(*keys)


def test_a_redis_outage_costs_speed_not_the_page(make_app, make_site, make_page):
    from tests.components import free_port

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", CACHE_KEY_PREFIX="down:")
    site = make_site("alice")
    make_page(site, "About", "Still here", status="published")
    response = app.test_client().get("/about", subdomain="alice")
    assert response.status_code == 200 and b"Still here" in response.data


@pytest.mark.parametrize("path", ["/feed.xml", "/sitemap.xml", "/robots.txt", "/custom.css"])
def test_feeds_have_validators_too(client, make_site, make_page, path):
    site = make_site("alice", custom_css="body { color: #111 }")
    make_page(site, "Post", kind="post", status="published")
    response = client.get(path, subdomain="alice")
    assert response.status_code == 200
    etag = response.headers["ETag"]
    again = client.get(path, subdomain="alice", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_visitor_pages_do_not_vary_by_cookie(app, client, make_site, make_page, make_user, login):
    """Shared caches may keep one copy for everyone: the page is the same signed in or not."""
    user = make_user()
    site = make_site("alice", owner=user)
    make_page(site, "About", status="published")
    for _ in range(2):  # miss, then hit
        response = client.get("/about", subdomain="alice")
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
    member = app.test_client()
    login(member, user, "alice")
    response = member.get("/about", subdomain="alice")
    assert response.status_code == 200 and "Cookie" not in response.headers.get("Vary", "")
    assert "Cookie" in member.get("/admin/", subdomain="alice").headers.get("Vary", "")


def test_a_theme_switch_is_never_served_stale(app, client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    assert "theme-plain" in client.get("/about", subdomain="alice").text
    with app.app_context():
        db.session.get(Site, site.id).theme = "journal"  # even without a version bump
        db.session.commit()
    assert "theme-journal" in client.get("/about", subdomain="alice").text
