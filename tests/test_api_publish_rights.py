"""What a token may change on a published page, and the slug race between two creates."""

from __future__ import annotations

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page
from tests.api_helpers import Api, make_token_fixture  # noqa: F401  (the make_token fixture)

WRITE_ONLY = ["pages:read", "pages:write"]


def test_changing_what_visitors_read_needs_pages_publish(
    app, client, site, owner, make_user, make_page, make_token
):
    live = make_page(site, "Live", "Visitors read this.", status="published")
    draft = make_page(site, "Draft", "Nobody reads this yet.")
    editor = make_user("editor@example.org")
    writer = Api(client, "acme", make_token(site, editor, WRITE_ONLY, role="editor"))
    for change in ({"body": "Defaced."}, {"title": "Defaced"}, {"slug": "moved"},
                   {"description": "Defaced"}):  # fmt: skip
        refused = writer.patch(f"/pages/{live.id}", json={"version": 1, **change})
        assert refused.status_code == 403, change
        assert refused.get_json()["error"] == "insufficient_scope"
        assert "pages:publish" in refused.get_json()["message"]
    assert b"Visitors read this." in client.get("/live", subdomain="acme").data
    # Drafts stay writable with pages:write, and so does a no-op on the live page.
    assert writer.patch(f"/pages/{draft.id}", json={"version": 1, "body": "Ok"}).status_code == 200
    same = writer.patch(f"/pages/{live.id}", json={"version": 1, "body": "Visitors read this."})
    assert same.status_code == 200

    publisher = Api(client, "acme", make_token(site, owner))
    changed = publisher.patch(f"/pages/{live.id}", json={"version": 2, "body": "Updated."})
    assert changed.status_code == 200, changed.get_json()
    assert b"Updated." in client.get("/live", subdomain="acme").data


def test_retagging_a_published_page_needs_pages_publish(
    client, site, make_user, make_page, make_token
):
    """Tags are shown on the page and list it under /tag/<slug>: visible content too."""
    live = make_page(site, "Live", "Visitors read this.", status="published")
    editor = make_user("tagger@example.org")
    writer = Api(client, "acme", make_token(site, editor, WRITE_ONLY, role="editor"))
    refused = writer.patch(f"/pages/{live.id}", json={"version": 1, "tags": ["Spam"]})
    assert refused.status_code == 403
    assert "pages:publish" in refused.get_json()["message"]
    assert client.get("/tag/spam", subdomain="acme").status_code == 404
    assert writer.patch(f"/pages/{live.id}", json={"version": 1, "tags": []}).status_code == 200


def test_the_role_must_allow_publishing_too(app, client, site, make_user, make_page, make_token):
    author = make_user("author@example.org")
    own = make_page(site, "Mine", "Text", status="published", author=author)
    token = make_token(site, author, role="author")  # every scope, but an author's role
    refused = Api(client, "acme", token).patch(f"/pages/{own.id}", json={"version": 1, "body": "x"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Page, own.id).body == "Text"


def test_two_creates_racing_for_one_slug_get_201_and_409(app, client, site, owner, make_token,
                                                         monkeypatch):  # fmt: skip
    """The second request passed the slug check before the first one committed: its flush
    meets the unique index. That is a 409 with the reason, not a 500."""
    from sitemaker.api import pages as api_pages

    original = api_pages.check_input

    def check_then_lose_the_race(site_id, **kwargs):
        result = original(site_id, **kwargs)
        # The other request commits the same slug right now, in its own connection.
        with db.engine.begin() as other:
            other.execute(
                sa.insert(Page).values(
                    site_id=site_id,
                    kind="page",
                    slug=kwargs["slug"],
                    title="Winner",
                    body="",
                    html="",
                    description="",
                    status="draft",
                    is_home=False,
                    version=1,
                    created_at=sa.func.now(),
                    updated_at=sa.func.now(),
                )  # fmt: skip
            )
        return result

    monkeypatch.setattr(api_pages, "check_input", check_then_lose_the_race)
    api = Api(client, "acme", make_token(site, owner))
    lost = api.post("/pages", json={"title": "Same", "slug": "same"})
    assert lost.status_code == 409, lost.get_data(as_text=True)
    assert lost.get_json() == {
        "error": "slug_taken",
        "field": "slug",
        "message": "That slug was just taken; choose another.",
    }
    monkeypatch.undo()
    with app.app_context():
        titles = db.session.scalars(sa.select(Page.title).where(Page.slug == "same")).all()
    assert titles == ["Winner"]
    # The API keeps working after the rollback.
    assert api.post("/pages", json={"title": "Other"}).status_code == 201
