"""Password reset: same answer for every address, single-use links, a new password ends
every other session, and a reset takes over an unconfirmed (perhaps squatted) account."""

from __future__ import annotations

from flask import Flask

from sitemaker.extensions import db
from sitemaker.models import User
from tests.accounts_flow import APEX, link_in, mails, signin, submit
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def reset(client, email: str):
    return submit(client, "/reset", {"email": email})


def test_reset_answers_the_same_whether_or_not_the_address_exists(app: Flask, client, make_user):
    make_user("kim@example.org")
    make_user("unconfirmed@example.org", email_confirmed_at=None)
    pages = {}
    for email in ("kim@example.org", "nobody@example.org", "unconfirmed@example.org"):
        response = reset(client, email)
        assert response.status_code == 200
        pages[email] = response.get_data(as_text=True).replace(email, "EMAIL")
    assert len(set(pages.values())) == 1
    assert "a link to choose a new password is on its way" in pages["kim@example.org"]
    # Both accounts got mail (an unconfirmed one may be a squatter's: see below).
    sent = [m["To"] for m in mails(app.config["MAIL_OUTBOX"])]
    assert sent == ["kim@example.org", "unconfirmed@example.org"]


def test_the_real_owner_takes_over_a_pre_registered_address(app: Flask, client, make_user):
    """Someone signs up with another person's address and never confirms it. The real
    person is told the account exists; a reset reaches their mailbox, confirms the address,
    shuts the squatter out and drops whatever second factor the squatter had set."""
    squatter = app.test_client()
    submit(squatter, "/signup", {"email": "real@example.org", "password": "squatter's password"})
    with app.app_context():
        row = db.session.scalar(db.select(User).where(User.email == "real@example.org"))
        row.totp_secret, row.totp_enabled_at = "JBSWY3DPEHPK3PXP", row.created_at
        db.session.commit()
    assert squatter.get("/sites", base_url=APEX).status_code == 200

    taken = submit(client, "/signup", {"email": "real@example.org", "password": NEW_PASSWORD})
    assert "already exists" in taken.get_data(as_text=True)
    reset(client, "real@example.org")
    link = link_in(mails(app.config["MAIL_OUTBOX"])[-1], "reset")
    done = submit(client, link, {"password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/sites"
    assert client.get("/sites", base_url=APEX).status_code == 200
    with app.app_context():
        row = db.session.scalar(db.select(User).where(User.email == "real@example.org"))
        assert row.is_confirmed and not row.has_two_factor and row.totp_secret is None
    # The squatter's session and password are gone.
    assert squatter.get("/sites", base_url=APEX).status_code == 302
    again = signin(app.test_client(), "real@example.org", "squatter's password")
    assert again.status_code == 200


def test_reset_link_sets_password_once_and_ends_other_sessions(
    app: Flask, client, make_user, login
):
    user = make_user("lee@example.org")
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(elsewhere, user, subdomain="acme")
    reset(client, "LEE@example.org")
    link = link_in(mails(app.config["MAIL_OUTBOX"])[0], "reset")
    page = client.get(link, base_url=APEX)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)

    # Too long for bcrypt: refused next to the field, the link still works afterwards.
    response = submit(client, link, {"password": "x" * 80})
    assert response.status_code == 200
    assert "Use at most 72 bytes" in response.get_data(as_text=True)

    response = submit(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/sites"
    # This browser is signed in with the new auth version...
    assert client.get("/sites", base_url=APEX).status_code == 200
    # ...every other session has ended.
    assert elsewhere.get("/sites", base_url=APEX).status_code == 302

    # The link cannot be used twice.
    again = client.get(link, base_url=APEX)
    assert again.status_code == 400
    assert "no longer valid" in again.get_data(as_text=True)

    fresh = app.test_client()
    assert "do not match" in signin(fresh, "lee@example.org", PASSWORD).get_data(as_text=True)
    assert signin(fresh, "lee@example.org", NEW_PASSWORD).status_code == 302


def test_a_spent_reset_token_is_refused_even_with_the_same_auth_version(app, client, make_user):
    """Single use is enforced by the spent-token record, not only by the auth version."""
    user = make_user("max@example.org")
    with app.test_request_context(base_url=APEX):
        from sitemaker.services import accounts
        from sitemaker.services.tokens import BadToken, issue_token, read_token, spend_token

        token = issue_token("reset", {"u": user.id, "v": user.auth_version}, single_use=True)
        spend_token(read_token("reset", token, 60), 60)
        db.session.commit()
        try:
            accounts.reset_password(token, NEW_PASSWORD)
            raise AssertionError("a spent token was accepted")
        except BadToken as error:
            assert "already been used" in str(error)
        assert db.session.get(User, user.id).auth_version == user.auth_version


def test_tampered_reset_link_is_a_400_with_a_way_forward(client):
    response = client.get("/reset/not-a-token", base_url=APEX)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This link is not valid." in page and "Ask for a new reset link" in page
    response = client.post("/reset/not-a-token", data={"password": NEW_PASSWORD}, base_url=APEX)
    assert response.status_code == 400
