"""The blog index, its keyset pages and the archive: every post is reachable from the front."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, Site
from sitemaker.models.common import utcnow
from tests.sql_capture import on_each_statement

LINK = re.compile(r'href="(/[^"]*)"')


def bulk_posts(app, site: Site, count: int, start: datetime | None = None) -> None:
    """`count` published posts, one a minute back from `start`, in one statement (the
    write path's revisions are not what these tests are about)."""
    start = start or utcnow() - timedelta(minutes=1)
    rows = [
        {
            "site_id": site.id, "kind": "post", "slug": f"post-{n}", "title": f"Post {n}",
            "body": f"Body {n}", "html": f"<p>Body {n}</p>", "description": "",
            "status": "published", "is_home": False, "version": 1,
            "published_at": start - timedelta(minutes=n),
            "created_at": start, "updated_at": start,
        }
        for n in range(count)
    ]  # fmt: skip
    with app.app_context():
        db.session.execute(sa.insert(Page), rows)
        db.session.get(Site, site.id).bump_content_version()
        db.session.commit()


@contextmanager
def statements(app):
    seen: list[str] = []
    with on_each_statement(app, lambda statement, parameters: seen.append(statement)):
        yield seen


def older_link(html: str) -> str | None:
    match = re.search(r'<a class="older" rel="next" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_a_thousand_posts_are_all_reachable_from_the_front_page(app, client, make_site):
    site = make_site("big", posts_per_page=20)
    bulk_posts(app, site, 1000)
    seen_posts: set[str] = set()
    frontier, visited = ["/"], set()
    while frontier:
        path = frontier.pop()
        if path in visited:
            continue
        visited.add(path)
        response = client.get(path, subdomain="big")
        assert response.status_code == 200, path
        for link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            if re.fullmatch(r"/post-\d+", link):
                seen_posts.add(link)
            elif link == "/" or link.startswith("/?before="):
                frontier.append(link)
    assert len(seen_posts) == 1000
    assert len([p for p in visited if p.startswith("/?before=")]) == 49  # 50 pages of 20


def test_each_index_page_is_one_query_whatever_its_depth(app, client, make_site):
    site = make_site("deep", posts_per_page=10)
    bulk_posts(app, site, 300)
    pages, path = [], "/"
    while path:
        pages.append(path)
        path = older_link(client.get(path, subdomain="deep").text)
    assert len(pages) == 30
    counts = {}
    for path in (pages[1], pages[15], pages[-1]):
        fresh = app.test_client()  # a new client; the page cache is bypassed by a new version
        with app.app_context():
            db.session.get(Site, site.id).bump_content_version()
            db.session.commit()
        with statements(app) as seen:
            response = fresh.get(path, subdomain="deep")
        assert response.status_code == 200
        listing = [s for s in seen if "ORDER BY pages.published_at" in s]
        assert len(listing) == 1, seen  # the listing, older and newer, is one statement
        assert "AS older" in listing[0] and "AS newer" in listing[0]
        counts[path] = len(seen)
    assert len(set(counts.values())) == 1, counts  # the last page costs what the second does


def test_the_listing_statement_reads_pages_through_an_index(app, client, make_site):
    site = make_site("plan", posts_per_page=5)
    bulk_posts(app, site, 40)
    second = older_link(client.get("/", subdomain="plan").text)
    captured: list[tuple[str, object]] = []

    def executed(statement, parameters):
        if "AS older" in statement:
            captured.append((statement, parameters))

    with app.app_context():
        db.session.get(Site, site.id).bump_content_version()
        db.session.commit()
    with on_each_statement(app, executed):
        assert client.get(second, subdomain="plan").status_code == 200
    statement, parameters = captured[0]
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            steps = [str(row[-1]) for row in plan if "pages" in str(row[-1])]
            assert all(step.startswith("SEARCH pages USING") for step in steps), steps
            assert any("ix_pages_site_posts" in step for step in steps), steps
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            text = "\n".join(row[0] for row in plan)
            assert "Seq Scan on pages" not in text, text
            assert "Index" in text, text


def test_pages_link_older_and_newer_with_rel(app, client, make_site):
    site = make_site("pager", posts_per_page=2)
    bulk_posts(app, site, 5)
    first = client.get("/", subdomain="pager").text
    assert "Post 0" in first and "Post 1" in first and "Post 2" not in first
    assert '<link rel="next" href="/?before=' in first and 'rel="prev"' not in first
    second_path = older_link(first)
    second = client.get(second_path, subdomain="pager").text
    assert "Post 2" in second and "Post 3" in second and "Post 1" not in second
    assert '<link rel="prev" href="/">' in second
    assert f'<link rel="canonical" href="http://pager.example.test{second_path}">' in second
    third = client.get(older_link(second), subdomain="pager").text
    assert "Post 4" in third and older_link(third) is None
    assert f'<link rel="prev" href="{second_path}">' in third


@pytest.mark.parametrize("cursor", ["abc", "-1", "1e5", "9" * 30, "١٢"])
def test_a_malformed_cursor_is_a_clear_400(client, make_site, cursor):
    make_site("junk")
    response = client.get(f"/?before={cursor}", subdomain="junk")
    assert response.status_code == 400
    assert "must be a post number" in response.text


def test_a_cursor_of_another_site_lists_nothing_of_it(app, client, make_site, make_page):
    alice, bob = make_site("alice"), make_site("bobby")
    theirs = make_page(bob, "Bob's post", kind="post", status="published")
    make_page(alice, "Alice's post", kind="post", status="published")
    response = client.get(f"/?before={theirs.id}", subdomain="alice")
    assert response.status_code == 404
    assert "Bob's post" not in response.text and "Alice's post" not in response.text


def test_with_a_home_page_the_blog_lives_at_its_path(app, client, make_site, make_page):
    site = make_site("homed", posts_per_page=20, blog_path="journal")
    make_page(site, "Welcome", "The front door.", status="published", is_home=True)
    make_page(site, "First post", kind="post", status="published")
    front = client.get("/", subdomain="homed").text
    assert "The front door." in front and "First post" not in front
    assert 'href="/journal">Blog</a>' in front
    blog = client.get("/journal", subdomain="homed").text
    assert "First post" in blog and "The front door." not in blog
    # Without a home page the blog's path sends readers to the front, where the list is.
    other = make_site("unhomed")
    make_page(other, "Only post", kind="post", status="published")
    moved = client.get("/blog", subdomain="unhomed")
    assert moved.status_code == 301 and moved.headers["Location"] == "/"


def test_the_archive_groups_posts_by_year_and_month(app, client, make_site, make_page):
    site = make_site("arch")
    make_page(site, "Winter", kind="post", status="published", published_at=datetime(2025, 1, 5))
    make_page(site, "Spring", kind="post", status="published", published_at=datetime(2026, 3, 9))
    make_page(site, "Spring 2", kind="post", status="published", published_at=datetime(2026, 3, 1))
    make_page(site, "Colophon", status="published")
    make_page(site, "Draft post", kind="post")
    html = client.get("/archive", subdomain="arch").text
    assert html.index(">2026<") < html.index("March 2026") < html.index(">2025<")
    assert html.index("January 2025") > html.index("Spring 2")
    assert html.index("Spring<") < html.index("Spring 2<")
    assert "Colophon" in html.split("<h2>Pages</h2>")[1]
    assert "Draft post" not in html
    assert 'href="/archive"' in client.get("/", subdomain="arch").text


def test_posts_per_page_comes_from_settings(app, client, make_site):
    site = make_site("few", posts_per_page=3)
    bulk_posts(app, site, 4)
    assert client.get("/", subdomain="few").text.count('href="/post-') == 3
    with app.app_context():
        stored = db.session.get(Site, site.id)
        stored.posts_per_page = 20
        stored.bump_content_version()
        db.session.commit()
    assert client.get("/", subdomain="few").text.count('href="/post-') == 4


def test_the_last_index_page_costs_no_more_than_the_first(app, client, make_site):
    """The one comparative timing check the index needs (keyset, not OFFSET): the listing
    statement for page 50 of 1,000 posts against page 2, medians of 25 runs each, with room
    for a noisy shared machine. OFFSET would read and drop 980 rows for the last page."""
    import statistics
    import time

    from sitemaker.services.listing import posts_page

    site = make_site("timed", posts_per_page=20)
    bulk_posts(app, site, 1000)
    with app.app_context():
        now = utcnow()
        cursors, before = [], None
        while True:
            page = posts_page(site.id, now, 20, before)
            if page.older is None:
                break
            cursors.append(page.older)
            before = page.older
        assert len(cursors) == 49

        def median_ms(cursor: int) -> float:
            runs = []
            for _ in range(25):
                started = time.perf_counter()
                posts_page(site.id, now, 20, cursor)
                runs.append((time.perf_counter() - started) * 1000)
            return statistics.median(runs)

        median_ms(cursors[0])  # warm the statement caches
        first, last = median_ms(cursors[0]), median_ms(cursors[-1])
    assert last <= first * 2 + 1.0, (first, last)
