"""nginx's micro-cache never hands one person's answer to another: through the shipped
configuration and real gunicorn, every rule of the app that is not a public visitor page is
asked with credentials (a session cookie, then a Bearer token) and at once without, and the
anonymous answer is never the cached credentialed one. A stub upstream then shows that the
app's Cache-Control private/no-store/no-cache is honoured and the rest is cached."""

from __future__ import annotations

import json
import re

import pytest

from tests import edge_stack, servers
from tests.edge_stack import DOMAIN, SECRET, TENANT

pytestmark = pytest.mark.servers

# What any anonymous visitor may be given from the cache.
PUBLIC = {
    "site.index", "site.page", "site.custom_css", "site.favicon", "site.feed", "site.robots",
    "site.sitemap", "site.media", "static", "tenant_static", "home.index", "home.favicon",
    "site.archive", "site.search_page", "site.tag", "site.tag_feed", "site.tag_list",
    "site.imported_path", "site.subscribe_page", "site.confirm_subscription", "site.unsubscribe",
}  # fmt: skip
# Answers that are the same for everyone (so equal bodies are no leak), though not cached.
SAME_FOR_EVERYONE = {"api.openapi", "health.healthz"}
SERVED_FROM_CACHE = {"HIT", "STALE", "UPDATING", "REVALIDATED"}


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    with edge_stack.stack(tmp_path_factory.mktemp("edge-cache")) as running:
        yield running


def get(edge, path, host=TENANT, **kwargs):
    return servers.request(edge["port"], path, host, **kwargs)


def private_requests(edge) -> list[tuple[str, str, str]]:
    """(endpoint, host, path) for every GET rule that is not a public visitor page, with its
    arguments filled in from the seeded rows."""
    values = {
        "page_id": edge["page"], "revision_id": edge["revision"], "media_id": edge["media"],
        "member_id": edge["member"], "token_id": edge["token_id"],
        "invitation_id": edge["invitation"], "site_id": edge["site"], "token": "not-a-token",
        "name": edge_stack.MEDIA_NAME, "slug": "about", "filename": "home/home.css",
        "transfer_id": 1,
    }  # fmt: skip
    found = []
    for rule in edge["seed_app"].url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in PUBLIC:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        if rule.endpoint == "api.list_pages":
            path += "?status=draft"
        found.append((rule.endpoint, TENANT if rule.subdomain else DOMAIN, path))
    return sorted(found)


def test_the_rule_list_covers_every_division(edge):
    endpoints = {endpoint for endpoint, _, _ in private_requests(edge)}
    for expected in ("api.list_pages", "api.get_page", "api.revisions", "dash.overview",
                     "dash.edit_page", "ops.site_detail", "home.handoff", "home.sites",
                     "home.signin", "health.healthz"):  # fmt: skip
        assert expected in endpoints
    assert len(endpoints) >= 30


@pytest.mark.parametrize("credential", ["cookie", "bearer"])
def test_a_credentialed_answer_is_never_served_to_the_next_caller(edge, credential):
    def credentials(host: str) -> dict[str, str]:
        if credential == "cookie":  # sessions are bound to the host that issued them
            return {"Cookie": servers.session_cookie(edge["owner"], host)}
        return {"Authorization": f"Bearer {edge['token']}"}

    private_seen = 0
    for endpoint, host, path in private_requests(edge):
        signed_in = get(edge, path, host, headers=credentials(host))
        anonymous = get(edge, path, host)
        where = f"{endpoint} {path}"
        assert signed_in.headers.get("x-cache") not in SERVED_FROM_CACHE, where
        assert anonymous.headers.get("x-cache") not in SERVED_FROM_CACHE, where
        if SECRET in signed_in.text:
            private_seen += 1
            assert SECRET not in anonymous.text, where
        if signed_in.status == 200 and endpoint not in SAME_FOR_EVERYONE:
            assert anonymous.body != signed_in.body, where
    # The credentials really opened private answers (the draft's text), or the test is empty.
    assert private_seen >= (4 if credential == "cookie" else 3)


def test_draft_listing_by_token_stays_private_under_a_burst(edge):
    """The finding itself: a token's draft listing, then anonymous callers within the second."""
    bearer = {"Authorization": f"Bearer {edge['token']}"}
    for _ in range(5):
        listing = get(edge, "/api/v1/pages?status=draft", headers=bearer)
        assert listing.status == 200 and SECRET in listing.text
        for _ in range(4):
            anonymous = get(edge, "/api/v1/pages?status=draft")
            assert anonymous.status == 401 and SECRET not in anonymous.text
            assert anonymous.headers["x-cache"] == "BYPASS"


def test_visitor_pages_with_any_cookie_bypass_the_cache(edge):
    seen = {get(edge, "/about").headers["x-cache"] for _ in range(10)}
    assert "HIT" in seen  # anonymous visitors are still served from the cache
    for cookie in ("theme=dark", "_ga=GA1.2.3", "session=forged"):
        answer = get(edge, "/about", headers={"Cookie": cookie})
        assert answer.status == 200 and "About Acme" in answer.text
        assert answer.headers["x-cache"] == "BYPASS", cookie
    assert get(edge, "/about", headers={"Authorization": "Basic eDp5"}).headers["x-cache"] == (
        "BYPASS"
    )


def test_a_json_client_neither_reads_nor_fills_the_cache(edge):
    """Error pages follow Accept: a JSON 404 must not be what the next browser gets."""
    json_404 = get(edge, "/no-such-page", headers={"Accept": "application/json"})
    assert json_404.status == 404 and json_404.headers["content-type"] == "application/json"
    assert json_404.headers["x-cache"] == "BYPASS"
    html_404 = get(edge, "/no-such-page", headers={"Accept": "text/html"})
    assert html_404.status == 404 and html_404.headers["content-type"].startswith("text/html")


# ------------------------------------------------------- the conf against a stub upstream


@pytest.fixture(scope="module")
def echo_edge(tmp_path_factory):
    with edge_stack.echo_stack(tmp_path_factory.mktemp("edge-echo")) as port:
        yield port


def echo(port, path, host=TENANT, **kwargs):
    response = servers.request(port, path, host, **kwargs)
    return response, json.loads(response.body)


@pytest.mark.parametrize(
    "cache_control", ["private", "no-store", "no-cache", "private,+max-age=600"]
)
def test_answers_the_app_marks_private_are_never_stored(echo_edge, cache_control):
    path = f"/page-{cache_control.replace(',', '').replace('+', '')}?cc={cache_control}"
    counts = [echo(echo_edge, path)[1]["count"] for _ in range(5)]
    assert len(set(counts)) == 5  # every request reached the upstream


def test_public_answers_are_cached_for_anonymous_visitors(echo_edge):
    path = "/page-public?cc=public,+max-age=0,+s-maxage=600"
    answers = [echo(echo_edge, path) for _ in range(5)]
    assert len({body["count"] for _, body in answers}) < 5
    assert "HIT" in {response.headers["x-cache"] for response, _ in answers}
