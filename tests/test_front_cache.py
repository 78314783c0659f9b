"""The front of the page cache answers repeat visits before Flask runs, and the site-version
board keeps it exactly as fresh as the database: two app objects on one database stand for two
processes (their boards share one file, or one Redis)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import request_started

from sitemaker.extensions import db
from sitemaker.front_cache import FrontCache
from sitemaker.models import Page, Site
from sitemaker.services import site_versions
from sitemaker.services import sites as site_service
from sitemaker.services.site_versions import NoBoard, RedisBoard, SharedMemoryBoard
from tests.components import redis_url


@contextmanager
def counting(app):
    """Requests Flask itself handled, and SQL statements run, inside the block."""
    seen = {"flask": 0, "sql": 0}

    def started(sender, **extra):
        seen["flask"] += 1

    def executed(*args, **kwargs):
        seen["sql"] += 1

    request_started.connect(started, app)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)
        sa.event.remove(engine, "before_cursor_execute", executed)


@pytest.fixture
def processes(make_app, make_site, make_page):
    """Two apps on one database, as two processes would be, and a site with a published
    /about: returns (reader, writer, site)."""

    def make(subdomain: str, config: dict | None = None, **site_fields):
        reader, writer = make_app(**(config or {})), make_app(**(config or {}))
        site = make_site(subdomain, **site_fields)
        make_page(site, "About", "x", status="published")
        return reader, writer, site

    return make


def warm(client, path: str, subdomain: str) -> None:
    """Until the front holds the page: the first visit of a process learns the site's id,
    the second is built under the board's counter and kept."""
    for _ in range(2):
        assert client.get(path, subdomain=subdomain).status_code == 200


def change(app, site_id: int, how) -> None:
    with app.app_context():
        how(db.session.get(Site, site_id))
        db.session.commit()


def retitle(title: str):
    def apply(site: Site) -> None:
        site.title = title
        site.bump_content_version()

    return apply


def test_a_repeat_visit_is_answered_before_flask_and_the_database(app, make_site, make_page):
    site = make_site("front", title="Front Title")
    make_page(site, "About", "About *us*", status="published")
    client = app.test_client()
    warm(client, "/about", "front")
    from_flask = client.get("/about", subdomain="front")  # answered by the front already
    assert isinstance(app.wsgi_app, FrontCache) and len(app.wsgi_app) == 1
    with counting(app) as seen:
        again = client.get("/about", subdomain="front")
    assert seen == {"flask": 0, "sql": 0}
    assert again.data == from_flask.data and b"<em>us</em>" in again.data
    # Byte for byte the headers Flask produced: security headers, validators, caching.
    assert dict(again.headers) == dict(from_flask.headers)
    assert "script-src 'none'" in again.headers["Content-Security-Policy"]
    assert again.headers["ETag"] and again.headers["Cache-Control"].startswith("public")


def test_conditional_and_head_requests_from_the_front(app, make_site, make_page):
    site = make_site("front")
    make_page(site, "About", "Words", status="published")
    client = app.test_client()
    warm(client, "/about", "front")
    full = client.get("/about", subdomain="front")
    with counting(app) as seen:
        by_etag = client.get(
            "/about", subdomain="front", headers={"If-None-Match": full.headers["ETag"]}
        )
        by_date = client.get(
            "/about",
            subdomain="front",
            headers={"If-Modified-Since": full.headers["Last-Modified"]},
        )
        other_etag = client.get("/about", subdomain="front", headers={"If-None-Match": '"nope"'})
        head = client.head("/about", subdomain="front")
    assert seen["flask"] == 0
    for answer in (by_etag, by_date):
        assert answer.status_code == 304 and answer.data == b""
        assert answer.headers["ETag"] == full.headers["ETag"]
        assert "Content-Type" not in answer.headers
    assert other_etag.status_code == 200 and other_etag.data == full.data
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(full.data))


def test_a_change_in_another_process_is_served_on_the_next_request(processes):
    reader, writer, site = processes("fresh", title="First title")
    client = reader.test_client()
    warm(client, "/about", "fresh")
    with counting(reader) as seen:
        assert "First title" in client.get("/about", subdomain="fresh").text
    assert seen["flask"] == 0  # the front held it

    change(writer, site.id, retitle("Second title"))
    text = client.get("/about", subdomain="fresh").text
    assert "Second title" in text and "First title" not in text

    warm(client, "/about", "fresh")
    change(writer, site.id, lambda s: site_service.suspend(s, "Spam"))
    gone = client.get("/about", subdomain="fresh")
    assert gone.status_code == 410 and "Spam" in gone.text


def test_publishing_a_page_shows_on_the_next_request(make_app, make_site, make_page):
    from sitemaker.services.pages import set_status

    reader, writer = make_app(), make_app()
    site = make_site("news")
    make_page(site, "Old news", kind="post", status="published")
    draft = make_page(site, "Breaking", kind="post")
    client = reader.test_client()
    warm(client, "/", "news")
    assert "Breaking" not in client.get("/", subdomain="news").text

    with writer.app_context():
        set_status(db.session.get(Site, site.id), db.session.get(Page, draft.id), "published")
        db.session.commit()
    assert "Breaking" in client.get("/", subdomain="news").text


def test_a_bulk_update_of_sites_refreshes_every_site(processes):
    reader, writer, site = processes("bulk", title="Before")
    client = reader.test_client()
    warm(client, "/about", "bulk")
    with writer.app_context():
        # Bulk changes follow the rule every change follows: bump what visitors see.
        db.session.execute(
            sa.update(Site).values(title="After", content_version=Site.content_version + 1)
        )
        db.session.commit()
    assert "After" in client.get("/about", subdomain="bulk").text


def test_sql_typed_outside_the_app_needs_sites_refresh(processes):
    """The one way to go stale: writing the database behind sitemaker's back. The operator
    command that exists for it (after a restore, say) makes every process read afresh."""
    reader, writer, site = processes("outside", title="Before")
    client = reader.test_client()
    warm(client, "/about", "outside")
    with writer.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE sites SET title = 'Typed', content_version = content_version + 1")
        )
    assert "Before" in client.get("/about", subdomain="outside").text
    result = writer.test_cli_runner().invoke(args=["sites", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Typed" in client.get("/about", subdomain="outside").text


def test_only_plain_visitor_pages_are_kept(app, make_site, make_page, owner, login):
    site = make_site("keep", owner=owner)
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    front: FrontCache = app.wsgi_app
    for _ in range(3):
        assert client.get("/missing", subdomain="keep").status_code == 404
        assert client.get("/robots.txt", subdomain="keep").status_code == 200
        assert client.get("/", subdomain="keep").status_code == 200
        client.get("/")  # the apex
        client.post("/about", subdomain="keep")
    assert sorted(key[2] for key in front._entries) == ["/", "/robots.txt"]
    # A signed-in owner's dashboard is never kept, and their visit to the site changes nothing.
    login(client, owner, "keep")
    for _ in range(2):
        assert client.get("/admin/", subdomain="keep").status_code == 200
    assert all(not key[2].startswith("/admin") for key in front._entries)
    # The query string is part of the key: ?v= changes custom.css's caching headers.
    warm(client, "/custom.css", "keep")
    with app.app_context():
        version = db.session.get(Site, site.id).content_version
    warm(client, f"/custom.css?v={version}", "keep")
    plain = client.get("/custom.css", subdomain="keep")
    versioned = client.get(f"/custom.css?v={version}", subdomain="keep")
    assert "immutable" in versioned.headers["Cache-Control"]
    assert "immutable" not in plain.headers["Cache-Control"]


def test_the_front_stays_within_its_limits(make_app, make_site, make_page):
    app = make_app(FRONT_CACHE_ENTRIES=2)
    site = make_site("small")
    for n in range(3):
        make_page(site, f"Page {n}", "x", slug=f"p{n}", status="published")
    client = app.test_client()
    for n in range(3):
        warm(client, f"/p{n}", "small")
    front: FrontCache = app.wsgi_app
    assert [key[2] for key in front._entries] == ["/p1", "/p2"]  # the oldest went first

    tight = make_app(FRONT_CACHE_BYTES=8 * 1024)  # an entry may take an eighth: 1 kB
    client = tight.test_client()
    warm(client, "/p0", "small")
    assert len(tight.wsgi_app) == 0
    assert not isinstance(make_app(FRONT_CACHE_ENTRIES=0).wsgi_app, FrontCache)


def test_shared_memory_boards_on_one_file_see_each_others_bumps(tmp_path):
    one = SharedMemoryBoard(str(tmp_path / "board"))
    two = SharedMemoryBoard(str(tmp_path / "board"))
    before, other = two.read("alice"), two.read("bob")
    one.bump(["alice"])
    assert two.read("alice") != before and two.read("bob") == other
    tag = two.read("bob")
    one.bump([site_versions.EVERYTHING])
    assert two.read("bob") != tag


def test_a_board_file_removed_under_running_processes_is_followed(
    make_app, make_site, make_page, tmp_path
):
    """/dev/shm gets cleaned (systemd's RemoveIPC, an operator); the next writer makes a new
    file, with counters from zero. Running processes find it within a second and, its epoch
    being new, keep nothing they built under the old file."""
    path = tmp_path / "board"
    reader = make_app(SITE_VERSIONS_FILE=str(path))
    board = site_versions.board(reader)
    board.recheck_seconds = 0  # a second has passed on every request
    site = make_site("cleaned", title="One")
    make_page(site, "About", "x", status="published")
    client = reader.test_client()
    warm(client, "/about", "cleaned")
    path.unlink()
    writer = make_app(SITE_VERSIONS_FILE=str(path))  # a `flask` command after the cleaning
    change(writer, site.id, retitle("Two"))
    assert "Two" in client.get("/about", subdomain="cleaned").text
    assert path.exists() and board.read("cleaned") == site_versions.board(writer).read("cleaned")


def test_without_a_board_every_visit_reads_the_database(make_app, make_site, make_page, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app = make_app(SITE_VERSIONS_FILE=str(blocker / "board"))
    assert isinstance(site_versions.board(app), NoBoard)
    site = make_site("noboard", title="One")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    for _ in range(3):
        assert "One" in client.get("/about", subdomain="noboard").text
    assert len(app.wsgi_app) == 0
    change(app, site.id, retitle("Two"))
    assert "Two" in client.get("/about", subdomain="noboard").text


def test_several_servers_share_the_board_through_redis(make_app, make_site, make_page):
    url = redis_url()
    prefix = f"sitemaker-test-{uuid.uuid4().hex[:8]}:"
    reader = make_app(REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
    writer = make_app(REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
    assert isinstance(site_versions.board(reader), RedisBoard)
    site = make_site("redisboard", title="First")
    make_page(site, "About", "x", status="published")
    client = reader.test_client()
    warm(client, "/about", "redisboard")
    with counting(reader) as seen:
        assert "First" in client.get("/about", subdomain="redisboard").text
    assert seen == {"flask": 0, "sql": 0}
    change(writer, site.id, retitle("Second"))
    assert "Second" in client.get("/about", subdomain="redisboard").text


def test_a_redis_that_restarts_empty_cannot_bring_an_old_tag_back(processes):
    """Counters start over after Redis loses its data; the epoch in every tag keeps a page
    kept under the old counters from matching the new ones."""
    import redis

    url = redis_url()
    reader, writer, site = processes("restarted", title="One", config=dict(REDIS_URL=url))
    client = reader.test_client()
    namespace = site_versions._namespace(reader.config["SQLALCHEMY_DATABASE_URI"])
    connection = redis.Redis.from_url(url)

    def wipe() -> None:
        keys = list(connection.scan_iter(match=f"sitemaker:site-version:{namespace}:*"))
        if keys:
            connection.delete(*keys)

    wipe()
    change(writer, site.id, retitle("Two"))  # the site's counter: 1
    for _ in range(3):
        assert "Two" in client.get("/about", subdomain="restarted").text
    assert len(reader.wsgi_app) == 1  # kept under counter 1
    wipe()  # Redis restarts with nothing
    change(writer, site.id, retitle("Three"))  # the counter is 1 again
    assert "Three" in client.get("/about", subdomain="restarted").text


def test_a_redis_board_outage_falls_back_to_the_database(make_app, make_site, make_page):
    from tests.components import free_port

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    site = make_site("down", title="Up")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    for _ in range(3):
        assert "Up" in client.get("/about", subdomain="down").text
    assert len(app.wsgi_app) == 0


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_gets_a_private_board(url):
    path = site_versions.default_board_path(url)
    assert path is None
    board = SharedMemoryBoard(path)  # process-private memory
    tag = board.read("alice")
    board.bump(["alice"])
    assert board.read("alice") != tag


def test_custom_domain_pages_are_kept_and_a_detach_is_seen_at_once(processes):
    from sitemaker.models.common import utcnow

    reader, writer, site = processes(
        "domained",
        title="On My Domain",
        custom_domain="blog.example.org",
        domain_verified_at=utcnow(),
    )
    client = reader.test_client()
    base = "http://blog.example.org"
    for _ in range(2):
        assert "On My Domain" in client.get("/about", base_url=base).text
    with counting(reader) as seen:
        assert "On My Domain" in client.get("/about", base_url=base).text
    assert seen["flask"] == 0

    def detach(s: Site) -> None:
        s.custom_domain, s.domain_verified_at = None, None
        s.bump_content_version()

    change(writer, site.id, detach)
    assert client.get("/about", base_url=base).status_code == 404


def test_a_detach_from_an_expired_site_still_moves_the_old_domain(processes):
    """After a commit every attribute is expired; clearing the custom domain then must still
    move the counter of the domain the site no longer answers to (its old value is needed)."""
    from sitemaker.models.common import utcnow

    reader, writer, site = processes(
        "expired", title="Mine", custom_domain="old.example.org", domain_verified_at=utcnow()
    )
    client = reader.test_client()
    for _ in range(2):
        assert "Mine" in client.get("/about", base_url="http://old.example.org").text
    with writer.app_context():
        loaded = db.session.get(Site, site.id)
        db.session.commit()  # expires `loaded`: its custom_domain is no longer in memory
        loaded.custom_domain, loaded.domain_verified_at = None, None
        db.session.commit()
    assert client.get("/about", base_url="http://old.example.org").status_code == 404


def test_a_custom_domain_asked_for_with_a_trailing_dot_is_kept_fresh(processes):
    from sitemaker.models.common import utcnow

    reader, writer, site = processes(
        "dotted", title="Dotted", custom_domain="blog.example.org", domain_verified_at=utcnow()
    )
    client = reader.test_client()
    base = "http://blog.example.org."
    for _ in range(2):
        assert "Dotted" in client.get("/about", base_url=base).text
    change(writer, site.id, retitle("Renamed"))
    assert "Renamed" in client.get("/about", base_url=base).text
