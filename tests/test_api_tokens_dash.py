"""/admin/tokens: every member makes, sees and revokes their own API tokens."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import ApiToken, Membership
from tests.api_helpers import bearer, make_token_fixture  # noqa: F401  (make_token)
from tests.dash_helpers import csrf_from

TOKEN_RE = re.compile(rb'id="new-token" readonly value="(smk_[^"]+)"')


def create(client, name="Editor plugin", scopes=("pages:read", "pages:write"), csrf=None):
    csrf = csrf or csrf_from(client, "/admin/tokens", "acme")
    return client.post(
        "/admin/tokens", subdomain="acme",
        data={"csrf_token": csrf, "name": name, "scope": list(scopes)},
    )  # fmt: skip


def test_create_use_list_and_revoke(app, client, make_user, make_site, login):
    user = make_user()
    make_site("acme", owner=user)
    login(client, user, "acme")
    page = client.get("/admin/tokens", subdomain="acme")
    assert page.status_code == 200 and b"no tokens on this site yet" in page.data
    assert b'value="pages:publish"' in page.data and b"/api/v1/openapi.json" in page.data

    made = create(client)
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    token = TOKEN_RE.search(made.data).group(1).decode()
    assert b"shown only this once" in made.data
    assert (
        f"Bearer {token}".encode() in made.data
        and b"http://acme.example.test/api/v1/pages" in made.data
    )
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.scopes == "pages:read pages:write" and row.token_hash != token

    listing = client.get("/admin/tokens", subdomain="acme")
    assert token.encode() not in listing.data  # shown once, never again
    assert b"Editor plugin" in listing.data and b"<td>never</td>" in listing.data

    assert client.get("/api/v1/pages", subdomain="acme", headers=bearer(token)).status_code == 200
    listing = client.get("/admin/tokens", subdomain="acme")
    assert b"<td>never</td>" not in listing.data and b" UTC</td>" in listing.data

    csrf = csrf_from(client, "/admin/tokens", "acme")
    refused = client.post(f"/admin/tokens/{row.id}/revoke", subdomain="acme")
    assert refused.status_code == 400  # no CSRF token
    revoked = client.post(
        f"/admin/tokens/{row.id}/revoke", subdomain="acme", data={"csrf_token": csrf}
    )
    assert revoked.status_code == 302
    assert b"revoked" in client.get("/admin/tokens", subdomain="acme").data
    assert client.get("/api/v1/pages", subdomain="acme", headers=bearer(token)).status_code == 401


def test_bad_input_is_400_with_the_reason(client, make_user, make_site, login):
    user = make_user()
    make_site("acme", owner=user)
    login(client, user, "acme")
    for name, scopes, message in (
        ("   ", ["pages:read"], b"Give the token a name"),
        ("x" * 101, ["pages:read"], b"too long"),
        ("ok", [], b"at least one scope"),
        ("ok", ["pages:read", "root"], b"Unknown scope: root"),
    ):
        response = create(client, name, scopes)
        assert response.status_code == 400 and message in response.data, name
    assert create(client, csrf="forged").status_code == 400


def test_members_see_and_revoke_only_their_own(
    app, client, make_user, make_site, make_token, login
):
    owner, author = make_user(), make_user()
    site = make_site("acme", owner=owner)
    make_token(site, owner, name="Owner's script")
    login(client, author, "acme")

    with app.app_context():
        db.session.add(Membership(site_id=site.id, user_id=author.id, role="author"))
        db.session.commit()
        owners_row = db.session.scalar(sa.select(ApiToken))
    page = client.get("/admin/tokens", subdomain="acme")
    assert page.status_code == 200 and b"Owner&#39;s script" not in page.data
    assert b"your role does not allow this" in page.data  # pages:publish for an author
    csrf = csrf_from(client, "/admin/tokens", "acme")
    response = client.post(
        f"/admin/tokens/{owners_row.id}/revoke", subdomain="acme", data={"csrf_token": csrf}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, owners_row.id).revoked_at is None
    assert create(client, "Mine", ["pages:read", "pages:publish"]).status_code == 201


def test_strangers_are_refused(client, make_user, make_site, login):
    make_site("acme", owner=make_user())
    stranger = make_user()
    login(client, stranger, "acme")
    assert client.get("/admin/tokens", subdomain="acme").status_code == 403
    anonymous = client.__class__(client.application)
    assert anonymous.get("/admin/tokens", subdomain="acme").status_code == 302


def test_removing_a_member_revokes_their_tokens_for_good(
    app, client, make_user, make_site, make_token, login
):
    from tests.api_helpers import Api

    owner, editor = make_user("boss@example.org"), make_user("leaver@example.org")
    site = make_site("acme", owner=owner)
    token = make_token(site, editor, role="editor", name="Leaver's sync")
    api = Api(app.test_client(), "acme", token)
    assert api.get("/pages").status_code == 200

    login(client, owner, "acme")
    with app.app_context():
        member_id = db.session.scalar(
            sa.select(Membership.id).where(Membership.user_id == editor.id)
        )
    csrf = csrf_from(client, "/admin/members", "acme")
    removed = client.post(
        f"/admin/members/{member_id}/remove", subdomain="acme", data={"csrf_token": csrf}
    )
    assert removed.status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == editor.id))
        assert row.revoked_at is not None

    # Invited and joined again: the old token stays dead.
    with app.app_context():
        db.session.add(Membership(site_id=site.id, user_id=editor.id, role="editor"))
        db.session.commit()
    assert api.get("/pages").status_code == 401


def test_owners_see_and_revoke_every_members_tokens(
    app, client, make_user, make_site, make_token, login
):
    owner, author = make_user("owner1@example.org"), make_user("writer@example.org")
    admin = make_user("admin1@example.org")
    site = make_site("acme", owner=owner)
    make_token(site, author, role="author", name="Writer's phone")
    make_token(site, admin, role="admin", name="Admin's script")
    with app.app_context():
        writers = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == author.id))

    # An admin sees only their own tokens, and cannot revoke the writer's.
    login(client, admin, "acme")
    page = client.get("/admin/tokens", subdomain="acme")
    assert b"Writer&#39;s phone" not in page.data and b"Every member" not in page.data
    csrf = csrf_from(client, "/admin/tokens", "acme")
    refused = client.post(
        f"/admin/tokens/{writers.id}/revoke", subdomain="acme", data={"csrf_token": csrf}
    )
    assert refused.status_code == 404

    login(client, owner, "acme")
    page = client.get("/admin/tokens", subdomain="acme").get_data(as_text=True)
    everyone = page[page.index('id="all-tokens"') :]
    assert "writer@example.org" in everyone and "Writer&#39;s phone" in everyone
    assert "admin1@example.org" in everyone and "Admin&#39;s script" in everyone
    csrf = csrf_from(client, "/admin/tokens", "acme")
    revoked = client.post(
        f"/admin/tokens/{writers.id}/revoke", subdomain="acme", data={"csrf_token": csrf}
    )
    assert revoked.status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, writers.id).revoked_at is not None
        others = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == admin.id))
        assert others.revoked_at is None
    # Another site's token id is a 404 even for an owner.
    other = make_site("other", owner=make_user())
    make_token(other, owner, role="author", name="elsewhere")
    with app.app_context():
        foreign = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "elsewhere"))
    csrf = csrf_from(client, "/admin/tokens", "acme")
    assert (
        client.post(
            f"/admin/tokens/{foreign.id}/revoke", subdomain="acme", data={"csrf_token": csrf}
        ).status_code
        == 404
    )


def test_every_members_tokens_are_shown_in_the_owners_time_zone(
    app, client, make_user, make_site, make_token, login
):
    owner = make_user("tz-owner@example.org", time_zone="Asia/Tokyo")
    writer = make_user("tz-writer@example.org")
    site = make_site("acme", owner=owner)
    make_token(site, writer, role="author", name="Writer's laptop")
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == writer.id))
        token.last_used_at = datetime(2026, 1, 1, 0, 30)  # UTC
        db.session.commit()
    login(client, owner, "acme")
    page = client.get("/admin/tokens", subdomain="acme").get_data(as_text=True)
    everyone = page[page.index('id="all-tokens"') :]
    assert "2026-01-01 09:30 Asia/Tokyo" in everyone and " UTC" not in everyone
