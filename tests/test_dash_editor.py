"""The editor's JSON endpoints: live preview and autosave (drafts survive a closed tab)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, PageRevision
from tests.dash_client import add_member, csrf_token


def post_json(client, url, payload, token=None, **kw):
    headers = {"Accept": "application/json"}
    if token is not False:
        headers["X-CSRFToken"] = token or csrf_token(client)
    return client.post(url, subdomain="acme", json=payload, headers=headers, **kw)


def test_preview_renders_with_the_sites_sanitizer(signed_in, site):
    response = post_json(
        signed_in, "/admin/preview", {"body": "# Hi\n\n<script>alert(1)</script>\n\n*two words*"}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert "<h1>Hi</h1>" in data["html"] and "<em>two words</em>" in data["html"]
    assert "<script" not in data["html"]
    assert data["words"] == 5  # word_count splits the Markdown source on whitespace


@pytest.mark.parametrize("payload", [{"body": 5}, {"body": None}, {"body": ["x"]}, [1, 2], "text"])
def test_preview_refuses_non_string_bodies_with_400(signed_in, site, payload):
    response = post_json(signed_in, "/admin/preview", payload)
    assert response.status_code == 400
    assert (
        "must be a string" in response.get_json()["message"]
        or "JSON object" in (response.get_json()["message"])
    )


def test_preview_refuses_malformed_json_and_huge_bodies(signed_in, site, app):
    token = csrf_token(signed_in)
    response = signed_in.post(
        "/admin/preview",
        subdomain="acme",
        data=b"{not json",
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    app.config["PAGE_MAX_BODY_CHARS"] = 1000
    response = post_json(signed_in, "/admin/preview", {"body": "x" * 1001}, token)
    assert response.status_code == 413 and "too long" in response.get_json()["message"]


def test_preview_needs_the_csrf_header(signed_in, site):
    assert post_json(signed_in, "/admin/preview", {"body": "x"}, token=False).status_code == 400


def test_first_autosave_creates_the_draft_then_keeps_one_rolling_revision(app, signed_in, site):
    token = csrf_token(signed_in)
    first = post_json(
        signed_in, "/admin/pages/autosave", {"title": "Notes", "body": "one", "kind": "post"}, token
    )
    assert first.status_code == 200
    data = first.get_json()
    assert data["edit_url"] == f"/admin/pages/{data['page_id']}/edit"
    with app.app_context():
        page = db.session.get(Page, data["page_id"])
        assert (page.kind, page.status, page.body, page.slug) == ("post", "draft", "one", "notes")
    for text in ("one two", "one two three"):
        response = post_json(
            signed_in, data["autosave_url"], {"title": "Notes", "body": text}, token
        )
        assert response.status_code == 200
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PageRevision).where(PageRevision.page_id == data["page_id"])
        ).all()
        assert [r.reason for r in rows] == ["save", "autosave"]
        assert rows[-1].body == "one two three"
        assert db.session.get(Page, data["page_id"]).body == "one"  # the page waits for a save
    # Reopening the editor (a closed tab) brings the autosaved text back.
    editor = signed_in.get(data["edit_url"], subdomain="acme")
    assert b">\r\none two three</textarea>" in editor.data
    assert b"kept by autosave" in editor.data
    # The preview shows the autosaved text being edited, not the saved page.
    assert editor.data.split(b"data-preview>")[1].startswith(b"<p>one two three</p>")
    saved = signed_in.get(data["edit_url"] + "?saved=1", subdomain="acme")
    assert b">\r\none</textarea>" in saved.data


def test_autosave_refuses_garbage_and_other_sites(signed_in, site, make_site, make_user, make_page):
    token = csrf_token(signed_in)
    response = post_json(signed_in, "/admin/pages/autosave", {"title": 1, "body": "x"}, token)
    assert response.status_code == 400
    other = make_page(make_site("other", owner=make_user()), "Theirs", "private", slug="t")
    response = post_json(signed_in, f"/admin/pages/{other.id}/autosave", {"body": "x"}, token)
    assert response.status_code == 404


def test_authors_cannot_autosave_into_others_pages(app, client, site, make_user, make_page, login):
    author = make_user("author@example.org")
    add_member(app, site, author, "author")
    login(client, author, "acme")
    page = make_page(site, "Editor's", "text", slug="editors")
    response = post_json(client, f"/admin/pages/{page.id}/autosave", {"title": "x", "body": "y"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "not_allowed"
