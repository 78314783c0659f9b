"""GET /api/v1/stats: the site's daily figures for tokens with `stats:read`, never another
site's."""

from __future__ import annotations

from datetime import timedelta

from sitemaker.models.common import utcnow
from tests.api_helpers import Api, make_token_fixture  # noqa: F401  (the fixture)
from tests.test_analytics_dash import seed_views


def test_the_stats_endpoint_returns_the_days_and_top_lists(
    app, client, site, owner, make_page, make_token
):
    seed_views(app, make_page, site, 3, "https://duckduckgo.com/?q=acme")
    api = Api(client, "acme", make_token(site, owner))
    body = api.get("/stats?days=7").get_json()
    today = utcnow().date()
    assert body["start"] == (today - timedelta(days=6)).isoformat()
    assert body["end"] == today.isoformat()
    assert [d["day"] for d in body["days"]][-1] == today.isoformat() and len(body["days"]) == 7
    assert body["days"][-1] == {
        "day": today.isoformat(), "views": 3, "unique_visitors": 3, "feed_fetches": 0
    }  # fmt: skip
    assert body["top_pages"] == [{"path": "/about", "views": 3}]
    assert body["top_referrers"] == [{"host": "DuckDuckGo", "views": 3}]
    assert len(api.get("/stats").get_json()["days"]) == 30


def test_stats_needs_the_scope_and_a_role_that_may_publish(
    app, client, site, owner, make_user, make_token
):
    without = Api(client, "acme", make_token(site, owner, scopes=["pages:read"]))
    response = without.get("/stats")
    assert response.status_code == 403
    assert response.get_json()["message"] == "This token lacks the 'stats:read' scope."
    author = make_user("author@example.org")
    as_author = Api(client, "acme", make_token(site, author, role="author"))
    response = as_author.get("/stats")
    assert response.status_code == 403
    assert response.get_json()["message"] == "Your role on this site does not allow this."


def test_bad_days_are_a_400_with_the_reason(client, site, owner, make_token):
    api = Api(client, "acme", make_token(site, owner))
    for bad in ("0", "367", "abc", "-3", "1e3", ""):
        response = api.get(f"/stats?days={bad}")
        assert response.status_code == 400, bad
        assert "'days' must be a whole number from 1 to 366." in response.get_json()["message"]


def test_one_sites_figures_never_appear_in_anothers_api(
    app, client, site, owner, make_site, make_user, make_page, make_token
):
    seed_views(app, make_page, site, 2, "https://secret.example/")
    bob = make_user("bob@example.org")
    bobs = make_site("bobs", owner=bob)
    body = Api(client, "bobs", make_token(bobs, bob)).get("/stats").get_json()
    assert all(d["views"] == 0 for d in body["days"])
    assert body["top_pages"] == [] and body["top_referrers"] == []
    # bob's token on acme's host is refused outright
    assert Api(client, "acme", make_token(bobs, bob)).get("/stats").status_code == 401


def test_the_openapi_description_has_the_stats_operation(client, site):
    document = client.get("/api/v1/openapi.json", subdomain="acme").get_json()
    operation = document["paths"]["/stats"]["get"]
    assert operation["operationId"] == "getStats"
    assert "`stats:read`" in operation["description"]
    assert "Stats" in document["components"]["schemas"]
