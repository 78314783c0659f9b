"""The JSON API's page endpoints: every one, with its errors, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, PageRevision
from sitemaker.services import api_tokens
from tests.api_helpers import Api, make_token_fixture  # noqa: F401  (the make_token fixture)


@pytest.fixture
def api(client, site, owner, make_token):
    return Api(client, "acme", make_token(site, owner))


def error_of(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {"error", "message"} and body["message"]
    if error:
        assert body["error"] == error
    return body


def test_create_read_update_publish_and_trash_a_page(api, app):
    created = api.post("/pages", json={"title": "Über uns", "body": "Hello *world*"})
    assert created.status_code == 201
    page = created.get_json()
    assert page["slug"] == "uber-uns" and page["status"] == "draft" and page["version"] == 1
    assert page["html"] == "<p>Hello <em>world</em></p>\n"
    assert created.headers["Location"].endswith(f"/api/v1/pages/{page['id']}")
    assert "Set-Cookie" not in created.headers

    fetched = api.get(f"/pages/{page['id']}").get_json()
    assert fetched["body"] == "Hello *world*" and fetched["title"] == "Über uns"

    saved = api.patch(f"/pages/{page['id']}", json={"version": 1, "body": "Changed"})
    assert saved.status_code == 200
    assert saved.get_json()["version"] == 2 and saved.get_json()["title"] == "Über uns"
    assert saved.get_json()["html"] == "<p>Changed</p>\n"

    published = api.post(f"/pages/{page['id']}/publish")
    assert published.status_code == 200
    assert published.get_json()["status"] == "published" and published.get_json()["version"] == 3
    assert b"Changed" in api.client.get("/uber-uns", subdomain="acme").data

    assert api.delete(f"/pages/{page['id']}").status_code == 204
    error_of(api.get(f"/pages/{page['id']}"), 404, "not_found")
    with app.app_context():
        trashed = db.session.get(Page, page["id"])
        assert trashed.deleted_at is not None  # in the trash, restorable, not gone
    assert api.client.get("/uber-uns", subdomain="acme").status_code == 404


def test_stale_version_is_409_with_the_current_version_and_the_text_is_kept(api, app):
    page = api.post("/pages", json={"title": "Notes"}).get_json()
    assert (
        api.patch(f"/pages/{page['id']}", json={"version": 1, "body": "first"}).status_code == 200
    )
    stale = api.patch(f"/pages/{page['id']}", json={"version": 1, "body": "second"})
    body = error_of(stale, 409, "version_conflict")
    assert body["current_version"] == 2
    assert api.get(f"/pages/{page['id']}").get_json()["body"] == "first"
    with app.app_context():
        kept = db.session.scalar(
            sa.select(PageRevision).where(
                PageRevision.page_id == page["id"], PageRevision.reason == "conflict"
            )
        )
        assert kept.body == "second"
    retry = api.patch(f"/pages/{page['id']}", json={"version": 2.0, "body": "second"})
    assert retry.status_code == 200 and retry.get_json()["body"] == "second"


def test_patch_needs_a_version(api):
    page = api.post("/pages", json={"title": "Notes"}).get_json()
    body = error_of(api.patch(f"/pages/{page['id']}", json={"title": "x"}), 400)
    assert body["field"] == "version"
    for bad in (True, "1", 1.5, None, 0, -3, 2**31, 10**40):
        body = error_of(api.patch(f"/pages/{page['id']}", json={"version": bad}), 400)
        assert body["field"] == "version", bad


def test_list_is_paginated_and_filtered(api, site, make_page):
    for n in range(5):
        make_page(site, f"Post {n}", kind="post", status="published")
    make_page(site, "Draft page")
    listing = api.get("/pages?per_page=2&kind=post").get_json()
    assert listing["total"] == 5 and listing["pages"] == 3 and len(listing["items"]) == 2
    assert {i["kind"] for i in listing["items"]} == {"post"}
    assert "body" not in listing["items"][0]
    last = api.get("/pages?per_page=2&kind=post&page=3").get_json()
    assert len(last["items"]) == 1
    beyond = api.get("/pages?per_page=2&page=99").get_json()
    assert beyond["items"] == [] and beyond["total"] == 6
    drafts = api.get("/pages?status=draft").get_json()
    assert [i["title"] for i in drafts["items"]] == ["Draft page"]
    assert api.get("/pages?status=scheduled").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=abc", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=99999999999999999999999", "page"),
        ("page=%EF%BC%91", "page"),  # a full-width digit one
        ("status=deleted", "status"),
        ("kind=%00", "kind"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(api, query, field):
    assert error_of(api.get(f"/pages?{query}"), 400)["field"] == field


def test_revisions_newest_first(api):
    page = api.post("/pages", json={"title": "Notes", "body": "one"}).get_json()
    api.patch(f"/pages/{page['id']}", json={"version": 1, "body": "two"})
    items = api.get(f"/pages/{page['id']}/revisions").get_json()["items"]
    assert [i["body"] for i in items] == ["two", "one"]
    assert [i["page_version"] for i in items] == [2, 1]


def test_publish_can_schedule(api):
    page = api.post("/pages", json={"title": "Later", "kind": "post"}).get_json()
    scheduled = api.post(
        f"/pages/{page['id']}/publish", json={"published_at": "2999-01-01T10:00:00+02:00"}
    ).get_json()
    assert scheduled["published_at"] == "2999-01-01T08:00:00Z" and scheduled["scheduled"] is True
    assert api.get("/pages?status=scheduled").get_json()["total"] == 1
    body = error_of(api.post(f"/pages/{page['id']}/publish", json={"published_at": "soon"}), 400)
    assert body["field"] == "published_at"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 5}, "title"),
        ({"title": None}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "ok", "body": ["list"]}, "body"),
        ({"title": "ok", "slug": "Not A Slug"}, "slug"),
        ({"title": "ok", "slug": "admin"}, "slug"),
        ({"title": "ok", "slug": "x" * 101}, "slug"),
        ({"title": "ok", "kind": "poem"}, "kind"),
        ({"title": "ok", "status": "live"}, "status"),
        ({"title": "ok", "published_at": "yesterday"}, "published_at"),
        ({"title": "ok", "published_at": 1700000000}, "published_at"),
        ({"title": "ok", "published_at": "0001-01-01T00:00:00+05:00"}, "published_at"),
        ({"title": "ok", "description": "d" * 301}, "description"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_400_naming_the_field(api, payload, field):
    body = error_of(api.post("/pages", json=payload), 400)
    assert body["field"] == field


def test_lone_surrogates_huge_numbers_and_deep_nesting_never_500(api):
    raw = [
        '{"title": "\\ud800"}',
        '{"title": "ok", "body": "' + "\\udfff" * 3 + '"}',
        '{"title": 1e999}',
        '{"title": ' + "9" * 5000 + "}",
        "[" * 50_000 + "]" * 50_000,
        '{"title": "ok"',
        "null",
        '"just a string"',
        "\xff\xfe",
        "",
    ]
    for text in raw:
        response = api.post("/pages", data=text.encode("utf-8", "surrogatepass"),
                            content_type="application/json")  # fmt: skip
        error_of(response, 400)


def test_body_over_the_limit_is_400_and_over_max_content_length_413(
    make_app, make_user, make_site, make_token
):
    app = make_app(PAGE_MAX_BODY_CHARS=100, MAX_CONTENT_LENGTH=5000)
    user = make_user()
    site = make_site("acme", owner=user)
    api = Api(app.test_client(), "acme", make_token(site, user))
    assert (
        error_of(api.post("/pages", json={"title": "t", "body": "b" * 101}), 400)["field"] == "body"
    )
    error_of(api.post("/pages", json={"title": "t", "body": "b" * 6000}), 413, "too_large")


def test_non_json_bodies_are_415(api):
    page = api.post("/pages", json={"title": "Notes"}).get_json()
    error_of(api.post("/pages", data={"title": "form"}), 415, "unsupported_media_type")
    error_of(api.post("/pages", data='{"title": "x"}', content_type="text/plain"), 415)
    error_of(api.patch(f"/pages/{page['id']}", data="version=1"), 415)
    error_of(api.post(f"/pages/{page['id']}/publish", data="now", content_type="text/plain"), 415)


def test_slug_taken_is_409(api):
    api.post("/pages", json={"title": "About", "slug": "about"})
    body = error_of(api.post("/pages", json={"title": "Other", "slug": "about"}), 409, "slug_taken")
    assert body["field"] == "slug"
    derived = api.post("/pages", json={"title": "About"}).get_json()
    assert derived["slug"] == "about-2"


def test_page_quota_is_409(make_app, make_user, make_site, make_token):
    app = make_app()
    user = make_user()
    site = make_site("acme", owner=user, max_pages=1)
    api = Api(app.test_client(), "acme", make_token(site, user))
    assert api.post("/pages", json={"title": "One"}).status_code == 201
    error_of(api.post("/pages", json={"title": "Two"}), 409, "quota_exceeded")


def test_huge_and_unknown_ids_are_404(api):
    for path in ("/pages/99999", "/pages/99999999999999999999999", "/pages/0"):
        error_of(api.get(path), 404)
        error_of(api.patch(path, json={"version": 1}), 404)
        error_of(api.delete(path), 404)
        error_of(api.post(path + "/publish"), 404)
        error_of(api.get(path + "/revisions"), 404)
    error_of(api.get("/pages/-1"), 404)
    error_of(api.get("/pages/abc"), 404)
    error_of(api.get("/nothing/here"), 404)


def test_wrong_methods_are_405_with_allow(api):
    response = api.open("PUT", "/pages")
    error_of(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    error_of(api.open("POST", "/site"), 405)
    error_of(api.open("DELETE", "/media"), 405)


def test_site_settings(api, site):
    body = api.get("/site").get_json()
    assert body["subdomain"] == "acme" and body["role"] == "owner"
    assert body["scopes"] == list(api_tokens.SCOPES)  # a token made with every scope
    assert {"pages:read", "pages:write", "pages:publish", "media:write", "stats:read"} <= set(
        body["scopes"]
    )
    assert body["url"] == "http://acme.example.test/"
    assert body["pages_used"] == 0 and body["max_pages"] == 1000


def test_openapi_is_public_and_lists_every_endpoint(client, site):
    response = client.get("/api/v1/openapi.json", subdomain="acme")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/pages", "/pages/{page_id}", "/pages/{page_id}/publish",
        "/pages/{page_id}/revisions", "/media", "/site", "/stats",
    }  # fmt: skip
    assert set(doc["paths"]["/pages/{page_id}"]) == {"get", "patch", "delete"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_api_routes_are_not_shadowed_by_a_page_slug(api, site, make_page):
    make_page(site, "Site", slug="site-page", status="published")
    assert api.get("/site").get_json()["subdomain"] == "acme"
