"""Who may use the API: tokens, scopes, the member's current role, one site per token, no
cookies, rate limits per token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import ApiToken, Membership
from sitemaker.services import api_tokens
from tests.api_helpers import Api, bearer, make_token_fixture  # noqa: F401  (make_token)
from tests.components import redis_url


def status_and_error(response) -> tuple[int, str]:
    assert response.mimetype == "application/json", response.data
    return response.status_code, response.get_json()["error"]


def test_no_or_bad_token_is_401_with_www_authenticate(client, make_user, make_site):
    make_site("acme", owner=make_user())
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer smk_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "Bearer smk_\u00e9\u00e8"},
    ):
        response = client.get("/api/v1/pages", subdomain="acme", headers=headers)
        assert status_and_error(response) == (401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_only_the_hash_is_stored_and_revoking_is_immediate(app, client, make_user, make_site):
    user = make_user()
    site = make_site("acme", owner=user)
    with app.app_context():
        row, token = api_tokens.create_token(site, user, "  Laptop   plugin ", ["pages:read"])
        db.session.commit()
        stored = db.session.scalar(sa.select(ApiToken))
        assert stored.name == "Laptop plugin"
        assert token not in (stored.token_hash, stored.name, stored.scopes)
        assert stored.token_hash == api_tokens.hash_token(token) and len(stored.token_hash) == 64
        assert stored.last_used_at is None
    assert client.get("/api/v1/pages", subdomain="acme", headers=bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.last_used_at is not None
        api_tokens.revoke(row)
        db.session.commit()
    response = client.get("/api/v1/pages", subdomain="acme", headers=bearer(token))
    assert status_and_error(response) == (401, "unauthorized")


def test_token_service_refuses_bad_names_and_scopes(app, make_user, make_site):
    user = make_user()
    site = make_site("acme", owner=user)
    with app.app_context():
        for name, scopes in (("", ["pages:read"]), ("x" * 101, ["pages:read"]),
                             ("ok", []), ("ok", ["pages:read", "admin"])):  # fmt: skip
            with pytest.raises(api_tokens.TokenError):
                api_tokens.create_token(site, user, name, scopes)


@pytest.mark.parametrize(
    "scopes, method, path, payload",
    [
        (["pages:write"], "GET", "/pages", None),
        (["pages:read"], "POST", "/pages", {"title": "x"}),
        (["pages:read", "pages:write"], "POST", "/pages", {"title": "x", "status": "published"}),
        (["pages:read"], "POST", "/pages/{id}/publish", None),
        (["pages:read"], "PATCH", "/pages/{id}", {"version": 1, "title": "y"}),
        (["pages:write"], "PATCH", "/pages/{id}", {"version": 1, "status": "published"}),
        (["pages:read"], "DELETE", "/pages/{id}", None),
        (["pages:write"], "GET", "/pages/{id}/revisions", None),
        (["pages:write"], "GET", "/pages/{id}", None),
        (["pages:write"], "POST", "/media", None),
    ],
)
def test_missing_scope_is_403(
    client, make_user, make_site, make_page, make_token, scopes, method, path, payload
):
    user = make_user()
    site = make_site("acme", owner=user)
    page = make_page(site, "Draft", author=user)
    api = Api(client, "acme", make_token(site, user, scopes))
    response = api.open(method, path.format(id=page.id), json=payload)
    assert status_and_error(response) == (403, "insufficient_scope")


def test_an_authors_token_cannot_publish_or_touch_others_pages(
    client, make_user, make_site, make_page, make_token
):
    owner, author = make_user(), make_user()
    site = make_site("acme", owner=owner)
    theirs = make_page(site, "Owner's draft", author=owner)
    api = Api(client, "acme", make_token(site, author, role="author"))
    mine = api.post("/pages", json={"title": "Mine"}).get_json()
    assert api.patch(f"/pages/{mine['id']}", json={"version": 1, "body": "ok"}).status_code == 200
    assert status_and_error(api.post(f"/pages/{mine['id']}/publish")) == (403, "forbidden")
    assert (
        status_and_error(api.post("/pages", json={"title": "x", "status": "published"}))[0] == 403
    )
    assert status_and_error(api.patch(f"/pages/{theirs.id}", json={"version": 1}))[0] == 403
    assert status_and_error(api.get(f"/pages/{theirs.id}"))[0] == 403
    assert status_and_error(api.get(f"/pages/{theirs.id}/revisions"))[0] == 403
    assert status_and_error(api.delete(f"/pages/{theirs.id}"))[0] == 403
    listing = api.get("/pages").get_json()
    assert {i["title"] for i in listing["items"]} == {"Mine", "Owner's draft"}
    assert api.get("/site").get_json()["role"] == "author"


def test_demotion_and_removal_take_effect_at_once(
    app, client, make_user, make_site, make_page, make_token
):
    owner, editor = make_user(), make_user()
    site = make_site("acme", owner=owner)
    page = make_page(site, "Draft", author=owner)
    api = Api(client, "acme", make_token(site, editor, role="editor"))
    assert api.post(f"/pages/{page.id}/publish").status_code == 200
    with app.app_context():
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == editor.id))
        membership.role = "author"
        db.session.commit()
    assert status_and_error(api.post(f"/pages/{page.id}/publish")) == (403, "forbidden")
    with app.app_context():
        db.session.execute(sa.delete(Membership).where(Membership.user_id == editor.id))
        db.session.commit()
    assert status_and_error(api.get("/pages")) == (403, "forbidden")
    assert status_and_error(api.get("/site")) == (403, "forbidden")


def test_a_session_cookie_grants_nothing_and_none_is_set(
    client, make_user, make_site, make_token, login
):
    user = make_user()
    site = make_site("acme", owner=user)
    login(client, user, "acme")
    assert client.get("/admin/pages", subdomain="acme").status_code == 200
    response = client.get("/api/v1/pages", subdomain="acme")
    assert status_and_error(response) == (401, "unauthorized")
    assert "Set-Cookie" not in response.headers
    # CSRF-exempt: the absence of a CSRF token is not what refuses a write.
    response = client.post("/api/v1/pages", subdomain="acme", json={"title": "x"})
    assert status_and_error(response) == (401, "unauthorized")
    with_token = client.post(
        "/api/v1/pages", subdomain="acme", json={"title": "x"},
        headers=bearer(make_token(site, user)),
    )  # fmt: skip
    assert with_token.status_code == 201 and "Set-Cookie" not in with_token.headers


def test_isolation_between_sites(client, make_user, make_site, make_page, make_token):
    alice, bob = make_user(), make_user()
    site_a = make_site("alpha", owner=alice)
    site_b = make_site("bravo", owner=bob)
    b_pages = [make_page(site_b, f"B{n}", author=bob, status="published") for n in range(2)]
    token_a = make_token(site_a, alice)
    on_a = Api(client, "alpha", token_a)
    for page in b_pages:
        for method, path, payload in (
            ("GET", f"/pages/{page.id}", None),
            ("PATCH", f"/pages/{page.id}", {"version": page.version, "title": "stolen"}),
            ("DELETE", f"/pages/{page.id}", None),
            ("POST", f"/pages/{page.id}/publish", None),
            ("GET", f"/pages/{page.id}/revisions", None),
        ):
            assert status_and_error(on_a.open(method, path, json=payload)) == (404, "not_found")
    assert on_a.get("/pages").get_json()["total"] == 0
    on_b = Api(client, "bravo", token_a)
    for method, path in (("GET", "/pages"), ("GET", f"/pages/{b_pages[0].id}"), ("GET", "/site"),
                         ("POST", "/pages"), ("POST", "/media")):  # fmt: skip
        assert status_and_error(on_b.open(method, path))[0] == 401
    bob_api = Api(client, "bravo", make_token(site_b, bob))
    assert [p["title"] for p in bob_api.get("/pages").get_json()["items"]] == ["B1", "B0"]


def test_unknown_and_suspended_sites(client, make_user, make_site, make_token):
    user = make_user()
    site = make_site("acme", owner=user, status="suspended")
    api = Api(client, "acme", make_token(site, user))
    assert status_and_error(api.get("/pages"))[0] == 410
    assert status_and_error(Api(client, "nosuch", "smk_x").get("/pages"))[0] == 404


def test_rate_limit_is_per_token(make_app, make_user, make_site, make_token):
    app = make_app(RATELIMIT_API="3 per minute")
    user = make_user()
    site = make_site("acme", owner=user)
    client = app.test_client()
    first, second = (
        Api(client, "acme", make_token(site, user)),
        Api(client, "acme", make_token(site, user)),
    )
    assert [first.get("/site").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/site")
    assert status_and_error(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert second.get("/site").status_code == 200


def test_rate_limit_is_shared_through_redis(make_app, make_user, make_site, make_token):
    url = redis_url()
    one = make_app(RATELIMIT_API="2 per minute", RATELIMIT_STORAGE_URI=url)
    user = make_user()
    site = make_site("ratelimited", owner=user)
    token = make_token(site, user)
    other = make_app(RATELIMIT_API="2 per minute", RATELIMIT_STORAGE_URI=url)
    assert Api(one.test_client(), "ratelimited", token).get("/site").status_code == 200
    assert Api(other.test_client(), "ratelimited", token).get("/site").status_code == 200
    assert Api(one.test_client(), "ratelimited", token).get("/site").status_code == 429


def test_trashing_a_published_page_needs_the_publish_scope(
    client, make_user, make_site, make_page, make_token
):
    owner = make_user()
    site = make_site("acme", owner=owner)
    live = make_page(site, "Live", author=owner, status="published")
    draft = make_page(site, "Draft", author=owner)
    writer = Api(client, "acme", make_token(site, owner, ["pages:read", "pages:write"]))
    assert status_and_error(writer.delete(f"/pages/{live.id}")) == (403, "insufficient_scope")
    assert writer.delete(f"/pages/{draft.id}").status_code == 204
    assert client.get("/live", subdomain="acme").status_code == 200
    publisher = Api(client, "acme", make_token(site, owner))
    assert publisher.delete(f"/pages/{live.id}").status_code == 204
    assert client.get("/live", subdomain="acme").status_code == 404
