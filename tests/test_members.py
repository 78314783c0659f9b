"""People: invitations by signed link (mailed), accepting them on the apex, roles, removal and
ownership transfer, with the rules the server enforces whatever the page shows."""

from __future__ import annotations

import email
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sitemaker.extensions import db
from sitemaker.models import Invitation, Membership, Site, User
from tests.dash_helpers import csrf_from

APEX = "http://example.test"


@pytest.fixture
def team(app, make_user, make_site, client, login):
    """acme with an owner (signed in on `client`), an admin and an editor."""
    owner = make_user("owner@example.org")
    site = make_site("acme", owner=owner)
    people = {"owner": owner}
    with app.app_context():
        for role in ("admin", "editor"):
            user = User(email=f"{role}@example.org", password_hash="x")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(site_id=site.id, user_id=user.id, role=role))
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            people[role] = user
    login(client, owner, "acme")
    return people


def post(client, path, **form):
    form["csrf_token"] = csrf_from(client, "/admin/members", "acme")
    return client.post(path, data=form, subdomain="acme")


def roles(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            db.select(User.email, Membership.role).join(Membership.user)
        ).all()
        return dict(rows)


def member_id(app, address: str) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Membership.id).join(Membership.user).where(User.email == address)
        )


def last_mail(app) -> email.message.Message:
    files = sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert files, "no mail was sent"
    return email.message_from_bytes(files[-1].read_bytes())


def invitation_link(app) -> str:
    body = last_mail(app).get_payload(decode=True).decode()
    return re.search(r"http://example\.test/invite/\S+", body).group(0)


def test_owner_invites_and_invitee_joins(app, client, team, make_user, login):
    response = post(
        client, "/admin/members/invite", email=" New.Person@Example.org ", role="editor"
    )
    assert response.status_code == 302
    page = client.get("/admin/members", subdomain="acme")
    # Once: the dashboard layout shows flashed messages; the page must not repeat them.
    assert page.data.count(b"Invitation sent to new.person@example.org as editor.") == 1
    assert b"Pending invitations" in page.data
    mail = last_mail(app)
    assert mail["To"] == "new.person@example.org" and "Acme" in mail["Subject"]
    link = invitation_link(app)
    path = urlsplit(link).path

    visitor = app.test_client()
    response = visitor.get(path, base_url=APEX)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/signup"
    assert parse_qs(target.query) == {"email": ["new.person@example.org"], "next": [path]}

    stranger = make_user("someone.else@example.org")
    login(visitor, stranger, None)
    response = visitor.get(path, base_url=APEX)
    assert response.status_code == 403
    assert b"This invitation is for new.person@example.org" in response.data
    assert "someone.else@example.org" not in roles(app)

    invitee = make_user("new.person@example.org")
    login(visitor, invitee, None)
    response = visitor.get(path, base_url=APEX)
    assert response.status_code == 302
    assert response.headers["Location"] == "http://acme.example.test/admin/"
    assert roles(app)["new.person@example.org"] == "editor"
    with app.app_context():
        assert db.session.scalar(db.select(Invitation)).accepted_at is not None

    again = visitor.get(path, base_url=APEX)
    assert again.status_code == 410
    assert b"already been accepted" in again.data


def test_invitation_links_that_do_not_work(app, client, team, make_user, login):
    post(client, "/admin/members/invite", email="x@example.org", role="author")
    path = urlsplit(invitation_link(app)).path
    visitor = app.test_client()
    login(visitor, make_user("x@example.org"), None)
    tampered = visitor.get(path[:-3] + "abc", base_url=APEX)
    assert tampered.status_code == 400 and b"not valid" in tampered.data
    with app.app_context():
        invitation_id = db.session.scalar(db.select(Invitation.id))
    response = post(client, f"/admin/invitations/{invitation_id}/revoke")
    assert response.status_code == 302
    withdrawn = visitor.get(path, base_url=APEX)
    assert withdrawn.status_code == 410 and b"withdrawn" in withdrawn.data
    assert "x@example.org" not in roles(app)


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"email": "", "role": "editor"}, 400, b"Enter the email address"),
        ({"role": "editor"}, 400, b"Enter the email address"),
        ({"email": "not-an-email", "role": "editor"}, 400, b"Enter a valid email address"),
        ({"email": "a@example.org", "role": "owner"}, 400, b"Choose a role"),
        ({"email": "a@example.org"}, 400, b"Choose a role"),
        ({"email": "editor@example.org", "role": "author"}, 400, b"already a member"),
    ],
)
def test_bad_invitations_are_refused(app, client, team, form, status, message):
    response = post(client, "/admin/members/invite", **form)
    assert response.status_code == status
    assert message in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0
    assert not Path(app.config["MAIL_OUTBOX"]).exists()


def test_only_the_owner_makes_admins(app, client, team, login):
    admin_client = app.test_client()
    login(admin_client, team["admin"], "acme")
    response = post(admin_client, "/admin/members/invite", email="b@example.org", role="admin")
    assert (
        response.status_code == 403 and b"Only the owner can make someone an admin" in response.data
    )
    editor_id = member_id(app, "editor@example.org")
    response = post(admin_client, f"/admin/members/{editor_id}/role", role="admin")
    assert response.status_code == 403
    admin_id = member_id(app, "admin@example.org")
    response = post(admin_client, f"/admin/members/{admin_id}/role", role="editor")
    assert (
        response.status_code == 403
        and b"Only the owner can change or remove an admin" in response.data
    )
    # What an admin may do: invite an editor, demote an editor.
    assert (
        post(
            admin_client, "/admin/members/invite", email="b@example.org", role="editor"
        ).status_code
        == 302
    )
    assert post(admin_client, f"/admin/members/{editor_id}/role", role="author").status_code == 302
    # And the owner may make an admin.
    assert post(client, f"/admin/members/{editor_id}/role", role="admin").status_code == 302
    assert roles(app)["editor@example.org"] == "admin"


def test_owner_cannot_be_removed_or_demoted_but_can_transfer(app, client, team, login):
    owner_id = member_id(app, "owner@example.org")
    response = post(client, f"/admin/members/{owner_id}/remove")
    assert response.status_code == 400 and b"last owner cannot be removed" in response.data
    response = post(client, f"/admin/members/{owner_id}/role", role="author")
    assert response.status_code == 403 and b"transferring ownership" in response.data
    assert roles(app)["owner@example.org"] == "owner"

    admin_client = app.test_client()
    login(admin_client, team["admin"], "acme")
    editor_id = member_id(app, "editor@example.org")
    assert post(admin_client, f"/admin/members/{editor_id}/transfer").status_code == 403

    response = post(client, f"/admin/members/{editor_id}/transfer")
    assert response.status_code == 302
    assert roles(app) == {
        "owner@example.org": "admin",
        "admin@example.org": "admin",
        "editor@example.org": "owner",
    }
    # The previous owner, now an admin, can no longer delete the site.
    assert client.get("/admin/delete", subdomain="acme").status_code == 403


def test_remove_member_and_leave(app, client, team, login):
    editor_id = member_id(app, "editor@example.org")
    response = post(client, f"/admin/members/{editor_id}/remove")
    assert response.status_code == 302
    assert "editor@example.org" not in roles(app)
    admin_client = app.test_client()
    login(admin_client, team["admin"], "acme")
    assert (
        post(
            admin_client, f"/admin/members/{member_id(app, 'admin@example.org')}/remove"
        ).status_code
        == 302
    )
    assert "admin@example.org" not in roles(app)
    assert admin_client.get("/admin/members", subdomain="acme").status_code == 403


def test_members_of_another_site_are_404(app, client, team, make_user, make_site):
    other_owner = make_user("other@example.org")
    make_site("other", owner=other_owner)
    other_id = member_id(app, "other@example.org")
    for action in ("remove", "role", "transfer"):
        response = post(client, f"/admin/members/{other_id}/{action}", role="author")
        assert response.status_code == 404, action
    assert roles(app)["other@example.org"] == "owner"


def test_editor_cannot_manage_people(app, team, login):
    editor_client = app.test_client()
    login(editor_client, team["editor"], "acme")
    assert editor_client.get("/admin/members", subdomain="acme").status_code == 403


def test_delete_site_needs_the_typed_name(app, client, team, make_page):
    with app.app_context():
        site = db.session.scalar(db.select(Site))
    make_page(site, "Hello", status="published")
    token = csrf_from(client, "/admin/delete", "acme")
    response = client.post(
        "/admin/delete", data={"csrf_token": token, "confirm": "acm"}, subdomain="acme"
    )
    assert response.status_code == 400 and b"Type acme exactly" in response.data
    assert client.get("/hello", subdomain="acme").status_code == 200
    response = client.post(
        "/admin/delete", data={"csrf_token": token, "confirm": " ACME "}, subdomain="acme"
    )
    assert response.status_code == 200 and b"acme is deleted" in response.data
    gone = client.get("/hello", subdomain="acme")
    assert gone.status_code == 410 and b"deleted by its owner" in gone.data
    assert client.get("/admin/", subdomain="acme").status_code == 410
    with app.app_context():
        site = db.session.scalar(db.select(Site))
        assert site.status == "deleted" and site.deleted_at is not None
        assert site.subdomain == "acme"  # still reserved


def test_admin_cannot_delete_the_site(app, team, login):
    admin_client = app.test_client()
    login(admin_client, team["admin"], "acme")
    token = csrf_from(admin_client, "/admin/members", "acme")
    response = admin_client.post(
        "/admin/delete", data={"csrf_token": token, "confirm": "acme"}, subdomain="acme"
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(Site)).status == "active"
