"""Search on each site: ranked, highlighted, only what visitors may see, junk-proof, uncached,
limited per client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sitemaker.extensions import db
from sitemaker.models import Page
from sitemaker.models.common import utcnow


def found(client, subdomain: str, query: str) -> str:
    """The results list of a search, or "" when there is none."""
    html = client.get("/search", query_string={"q": query}, subdomain=subdomain).text
    return html.split('<ol class="results">')[1].split("</ol>")[0] if "results" in html else ""


@pytest.fixture
def library(make_site, make_page):
    site = make_site("lib")
    make_page(site, "Gardening notes", "Tomatoes need <b>sun</b> and water.", status="published",
              kind="post")  # fmt: skip
    make_page(site, "Tomatoes", "All about tomatoes: tomatoes everywhere.", status="published")
    make_page(site, "Draft tomatoes", "tomatoes unpublished", kind="post")
    make_page(site, "Future tomatoes", "tomatoes later", status="published", kind="post",
              published_at=utcnow() + timedelta(days=1))  # fmt: skip
    make_page(site, "Bread", "Flour and water.", status="published", kind="post")
    return site


def test_search_finds_ranked_highlighted_visible_pages(client, library):
    response = client.get("/search?q=tomatoes", subdomain="lib")
    assert response.status_code == 200
    html = response.text
    results = html.split('<ol class="results">')[1].split("</ol>")[0]
    assert results.index(">Tomatoes</a>") < results.index(">Gardening notes</a>")  # title weighs
    assert "<mark>Tomatoes</mark>" in results or "<mark>tomatoes</mark>" in results
    # The Markdown source's HTML is text (SQLite) or dropped (PostgreSQL), never markup.
    assert "sun" in results and "<b>" not in results
    assert "Draft tomatoes" not in html and "Future tomatoes" not in html
    assert "Bread" not in results
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in html


def test_search_understands_phrases_and_exclusions_where_the_database_can(client, library):
    html = client.get('/search?q="flour and water"', subdomain="lib").text
    assert ">Bread</a>" in html


@pytest.mark.parametrize(
    "query",
    ["x" * 10_000, "!!!", "?:*&|()<>", '"unbalanced', "'", "tom\x00atoes", "\x00", "-", "OR",
     "NEAR(", "a:b", "^", "tomatoes)", "*", "🙂", "   "],
)  # fmt: skip
def test_junk_queries_get_a_normal_page(client, library, query):
    response = client.get("/search", query_string={"q": query}, subdomain="lib")
    assert response.status_code == 200, query
    assert "<h1>Search</h1>" in response.text


def test_an_empty_query_invites_typing(client, library):
    html = client.get("/search", subdomain="lib").text
    assert "Type a few words" in html and '<ol class="results">' not in html


def test_search_results_are_paginated(app, client, make_site, make_page):
    site = make_site("many")
    for n in range(13):
        make_page(site, f"Recipe {n}", "soup of the day", status="published", kind="post")
    first = client.get("/search?q=soup", subdomain="many").text
    assert first.count('<li>\n    <a href="/recipe-') == 10
    assert 'rel="next" href="/search?q=soup&amp;page=2"' in first
    second = client.get("/search?q=soup&page=2", subdomain="many").text
    assert second.count('<li>\n    <a href="/recipe-') == 3 and 'rel="prev"' in second
    for junk in ("0", "-5", "abc", "99999999999999999999"):
        assert client.get(f"/search?q=soup&page={junk}", subdomain="many").status_code == 200


def test_search_never_fills_the_front_cache(app, client, library):
    from sitemaker.front_cache import FrontCache

    front = app.wsgi_app
    assert isinstance(front, FrontCache)
    for _ in range(2):  # a real page is kept (the second visit is built under the board)
        client.get("/tomatoes", subdomain="lib")
    kept = len(front)
    assert kept >= 1
    for n in range(30):
        assert client.get(f"/search?q=tomatoes{n}", subdomain="lib").status_code == 200
    assert len(front) == kept


def test_search_is_rate_limited_per_client(make_app, library):
    app = make_app(RATELIMIT_SEARCH="3 per minute")
    client = app.test_client()
    codes = [
        client.get("/search?q=bread", subdomain="lib",
                   environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
        for _ in range(4)
    ]  # fmt: skip
    assert codes == [200, 200, 200, 429]
    other = client.get("/search?q=bread", subdomain="lib",
                       environ_base={"REMOTE_ADDR": "203.0.113.10"})  # fmt: skip
    assert other.status_code == 200
    limited = client.get("/search?q=bread", subdomain="lib",
                         environ_base={"REMOTE_ADDR": "203.0.113.9"})  # fmt: skip
    assert limited.status_code == 429 and "Too many requests" in limited.text


def test_the_index_follows_edits_and_deletes(app, client, make_site, make_page):
    site = make_site("edit")
    page = make_page(site, "Old words", "zebra crossing", status="published")
    assert ">Old words</a>" in found(client, "edit", "zebra")
    with app.app_context():
        stored = db.session.get(Page, page.id)
        stored.body = "giraffe crossing"
        db.session.commit()
    assert found(client, "edit", "zebra") == ""
    assert ">Old words</a>" in found(client, "edit", "giraffe")
    with app.app_context():
        db.session.delete(db.session.get(Page, page.id))
        db.session.commit()
    assert found(client, "edit", "giraffe") == ""
