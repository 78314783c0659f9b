"""Sign up, sign in, sign out, confirmation and password reset on the apex."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import User
from tests.accounts_flow import APEX, csrf_token, link_in, mails, signin, signup, submit
from tests.conftest import PASSWORD


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User).order_by(User.id)))


def test_signup_creates_account_signs_in_and_mails_confirmation(app, client):
    response = signup(client, "  Alice@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sites"
    [user] = users(app)
    assert user.email == "alice@example.org"
    assert user.password_hash.startswith("$2b$04$")  # bcrypt, test rounds
    assert user.email_confirmed_at is None
    [message] = mails(app.config["MAIL_OUTBOX"])
    assert message["To"] == "alice@example.org"
    assert link_in(message, "confirm").startswith("/confirm/")
    page = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert "My sites" in page and "Resend confirmation" in page and "Sign out" in page


def test_confirmation_link_confirms_and_tampered_link_does_not(app, client):
    signup(client, "bob@example.org", PASSWORD)
    link = link_in(mails(app.config["MAIL_OUTBOX"])[0], "confirm")
    bad = client.get(link[:-3] + ("xyz" if not link.endswith("xyz") else "abc"), base_url=APEX)
    assert bad.status_code == 400
    assert "This link is not valid." in bad.get_data(as_text=True)
    assert users(app)[0].email_confirmed_at is None
    good = client.get(link, base_url=APEX)
    assert good.status_code == 302
    assert users(app)[0].email_confirmed_at is not None
    # Opening it again is harmless.
    assert client.get(link, base_url=APEX).status_code == 302
    assert "Resend confirmation" not in client.get("/sites", base_url=APEX).get_data(as_text=True)


def test_expired_confirmation_link_is_refused(app, client, make_user, monkeypatch):
    from sitemaker.services import accounts
    from sitemaker.services.tokens import issue_token

    user = make_user("old@example.org", email_confirmed_at=None)
    with app.test_request_context(base_url=APEX):
        token = issue_token("confirm", {"u": user.id, "e": user.email})
    monkeypatch.setattr(accounts, "CONFIRM_MAX_AGE", -1)  # any age is past a negative limit
    response = client.get(f"/confirm/{token}", base_url=APEX)
    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)
    assert users(app)[0].email_confirmed_at is None


def test_duplicate_signup_in_another_case_is_a_field_error(app, client, make_user):
    make_user("carol@example.org")
    response = signup(client, "CAROL@Example.org", PASSWORD)
    assert response.status_code == 200
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert len(users(app)) == 1


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "Enter a valid email address"),
        ("nul\x00@example.org", PASSWORD, "Enter a valid email address"),
        ("", PASSWORD, "Enter your email address."),
        ("   ", PASSWORD, "Enter your email address."),
        ("dave@example.org", " " * 12, "Choose a password."),
        ("dave@example.org", "short", "Use at least 8 characters."),
        ("dave@example.org", "a" * 73, "Use at most 72 bytes"),
        ("dave@example.org", "ü" * 37, "Use at most 72 bytes"),  # 37 letters, 74 bytes
        ("dave@example.org", "", "Choose a password."),
        ("x" * 400 + "@example.org", PASSWORD, "Enter a valid email address"),
        ("dave@" + "e" * 300 + ".org", PASSWORD, "Enter a valid email address"),
    ],
)
def test_signup_refuses_bad_input_next_to_the_field(app, client, email, password, message):
    response = signup(client, email, password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert users(app) == []


def test_password_of_exactly_72_bytes_works(app, client):
    password = "ü" * 36  # 72 bytes
    assert signup(client, "eve@example.org", password).status_code == 302
    other = app.test_client()
    response = signin(other, "EVE@example.org", password)
    assert response.status_code == 302


def test_signin_with_email_in_another_case_and_remember(client, make_user):
    make_user("frank@example.org")
    response = signin(client, "Frank@EXAMPLE.org", PASSWORD, remember="y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sites"
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)
    assert all("Domain=" not in c for c in cookies)  # host-only
    assert client.get("/sites", base_url=APEX).status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("frank@example.org", "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("frank@example.org", PASSWORD + "x" * 80),  # longer than bcrypt takes
        ("frank@example.org", "\x00" + PASSWORD),
    ],
)
def test_failed_signin_says_the_same_either_way(client, make_user, email, password):
    make_user("frank@example.org")
    response = signin(client, email, password)
    assert response.status_code == 200
    assert "That email and password do not match an account." in response.get_data(as_text=True)
    assert client.get("/sites", base_url=APEX).status_code == 302


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/sites/new", "/sites/new"),
        ("/handoff?site=acme&next=/admin/", "/handoff?site=acme&next=/admin/"),
        ("https://evil.test/", "/sites"),
        ("//evil.test/", "/sites"),
        ("/\\evil.test/", "/sites"),
        ("\\\\evil.test", "/sites"),
        ("/\t/evil.test", "/sites"),
        ("javascript:alert(1)", "/sites"),
        ("http:/evil.test", "/sites"),
        ("", "/sites"),
    ],
)
def test_signin_next_is_only_ever_a_local_path(client, make_user, next_value, expected):
    make_user("gina@example.org")
    from urllib.parse import quote

    path = f"/signin?next={quote(next_value, safe='')}"
    response = signin(client, "gina@example.org", PASSWORD, path=path)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_signup_honours_next_and_prefills_email(client):
    page = client.get("/signup?email=invitee@example.org", base_url=APEX).get_data(as_text=True)
    assert 'value="invitee@example.org"' in page
    token = csrf_token(client, "/signup")
    response = client.post(
        "/signup?next=/invite/abc",
        data={"email": "invitee@example.org", "password": PASSWORD, "csrf_token": token},
        base_url=APEX,
    )
    assert response.headers["Location"] == "/invite/abc"


def test_signout_is_post_only_and_ends_every_session(app, client, make_user, login):
    user = make_user("hank@example.org")
    login(client, user)
    other_browser = app.test_client()
    login(other_browser, user)
    assert client.get("/signout", base_url=APEX).status_code == 405
    response = submit(client, "/signout", {}, form_path="/sites")
    assert response.status_code == 302
    assert client.get("/sites", base_url=APEX).status_code == 302
    # The other browser's session carried the old auth version: it is over too.
    assert other_browser.get("/sites", base_url=APEX).status_code == 302
    assert users(app)[0].auth_version == user.auth_version + 1


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_form_without_a_valid_csrf_token_is_a_400_page(client, make_user, token):
    make_user("ian@example.org")
    client.get("/signin", base_url=APEX)
    data = {"email": "ian@example.org", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/signin", data=data, base_url=APEX)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form has expired or was not sent from this site" in page
    assert 'class="brand"' in page  # the home look, not a bare error


def test_non_utf8_form_body_is_a_clear_answer(app, client):
    token = csrf_token(client, "/signup")
    form = "application/x-www-form-urlencoded"
    # Percent-encoded bytes that are not UTF-8 arrive as their literal text ('%' is legal in
    # an address), so this is an ordinary, valid sign-up.
    escaped = b"email=j%FF%FEane@example.org&password=%FF%FE%FF%FE%FF%FE%FF%FE&csrf_token="
    response = client.post(
        "/signup", data=escaped + token.encode(), content_type=form, base_url=APEX
    )
    assert response.status_code == 302
    assert [u.email for u in users(app)] == ["j%ff%feane@example.org"]
    client.post("/signout", data={"csrf_token": token}, base_url=APEX)
    # Raw bytes that are not UTF-8: the body cannot be read at all, so the form (and its
    # CSRF token) is missing: the 400 page, nothing stored.
    raw = b"email=\xff\xfe@example.org&password=\xff" * 3 + b"&csrf_token=" + token.encode()
    response = client.post("/signup", data=raw, content_type=form, base_url=APEX)
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    assert len(users(app)) == 1


def test_huge_form_body_gets_a_friendly_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    token = csrf_token(client, "/signup")
    response = client.post(
        "/signup",
        data={"email": "a@example.org", "password": "x" * 100_000, "csrf_token": token},
        base_url=APEX,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this server accepts" in page and 'class="brand"' in page


def test_nav_shows_what_fits_the_visitor(client, make_user, login):
    page = client.get("/", base_url=APEX).get_data(as_text=True)
    assert "Sign in" in page and "Sign up" in page and "My sites" not in page
    login(client, make_user())
    page = client.get("/", base_url=APEX).get_data(as_text=True)
    assert "My sites" in page and 'action="/signout"' in page and "Sign up" not in page


@pytest.mark.parametrize("email", ["nul\x00@example.org", "\x00", "a" * 5000])
def test_signin_with_odd_email_is_a_plain_failure(client, email):
    response = signin(client, email, PASSWORD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "do not match an account" in page or "cannot be longer" in page
