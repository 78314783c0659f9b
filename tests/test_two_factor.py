"""Two-factor sign-in: turning it on from the account page, signing in with a code or a
recovery code, what it protects (the handoff, /ops, a password reset) and its limits."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import RecoveryCode, User
from sitemaker.models.common import utcnow
from tests.accounts_flow import APEX, csrf_token, follow, link_in, mails, signin, submit
from tests.conftest import PASSWORD

ALICE = "http://alice.example.test"
CODE_LIST = re.compile(r"<li><code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code></li>")


def user_row(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def turn_on(app, client) -> tuple[str, list[str]]:
    """From the account page: start, scan (read the key), type a code. Returns the secret
    and the recovery codes shown."""
    started = submit(client, "/account/security/setup", {}, form_path="/account/security")
    assert started.status_code == 302
    page = client.get("/account/security", base_url=APEX).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    response = submit(
        client,
        "/account/security/enable",
        {"code": pyotp.TOTP(secret).now()},
        form_path="/account/security",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    codes = CODE_LIST.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def signed_in(client) -> bool:
    return client.get("/sites", base_url=APEX).status_code == 200


def code_step(client, code: str, next_path: str = "/sites"):
    token = csrf_token(client, f"/signin/code?next={next_path}")
    return client.post(
        f"/signin/code?next={next_path}", data={"code": code, "csrf_token": token}, base_url=APEX
    )


def test_turn_on_shows_a_qr_code_and_recovery_codes_stored_hashed(app, client, make_user):
    make_user("two@example.org")
    other_device = app.test_client()
    signin(other_device, "two@example.org", PASSWORD)
    signin(client, "two@example.org", PASSWORD)
    account = client.get("/account", base_url=APEX).get_data(as_text=True)
    assert "Two-factor sign-in is <strong>off</strong>" in account

    submit(client, "/account/security/setup", {}, form_path="/account/security")
    wrong = submit(
        client, "/account/security/enable", {"code": "000000"}, form_path="/account/security"
    )
    assert wrong.status_code == 400 and "That code does not match" in wrong.get_data(as_text=True)
    assert not user_row(app, "two@example.org").has_two_factor

    secret, codes = turn_on(app, client)
    user = user_row(app, "two@example.org")
    assert user.has_two_factor and user.totp_secret == secret
    with app.app_context():
        stored = db.session.scalars(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)  # only digests are kept
    # Turning it on ended the other sessions, not this one.
    assert signed_in(client) and not signed_in(other_device)
    assert "<strong>on</strong>" in client.get("/account", base_url=APEX).get_data(as_text=True)


def test_signin_needs_the_code_and_the_handoff_waits_for_it(app, client, make_user, make_site):
    user = make_user("coded@example.org")
    make_site("alice", owner=user)
    signin(client, "coded@example.org", PASSWORD)
    secret, _codes = turn_on(app, client)
    submit(client, "/signout", {}, form_path="/account")

    halfway = signin(client, "coded@example.org", PASSWORD, path="/signin?next=/sites")
    assert halfway.status_code == 302
    assert urlsplit(halfway.headers["Location"]).path == "/signin/code"
    assert not signed_in(client)
    # Half signed in is not signed in: no tenant host gets a handoff.
    to_tenant = client.get("/handoff?site=alice&state=s", base_url=APEX)
    assert urlsplit(to_tenant.headers["Location"]).path == "/signin"

    wrong = code_step(client, "123456")
    assert wrong.status_code == 200
    assert "not right, or has been used" in wrong.get_data(as_text=True)
    # The code of the next time step: the current one was spent turning it on.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    done = code_step(client, f"{code[:3]} {code[3:]}")
    assert done.status_code == 302 and done.headers["Location"] == "/sites"
    assert signed_in(client)
    landed, _ = follow(client, client.get("/admin/", base_url=ALICE))
    assert landed.status_code == 200 and "Alice" in landed.get_data(as_text=True)

    # The same code cannot be used again (someone who saw it over a shoulder).
    thief = app.test_client()
    signin(thief, "coded@example.org", PASSWORD)
    assert code_step(thief, code).status_code == 200
    assert not signed_in(thief)


def test_a_recovery_code_works_once(app, client, make_user):
    make_user("lost-phone@example.org")
    signin(client, "lost-phone@example.org", PASSWORD)
    _secret, codes = turn_on(app, client)
    submit(client, "/signout", {}, form_path="/account")

    signin(client, "lost-phone@example.org", PASSWORD)
    done = code_step(client, codes[3].upper())
    assert done.status_code == 302
    landed = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert "You signed in with a recovery code; 9 are left." in landed
    submit(client, "/signout", {}, form_path="/account")

    signin(client, "lost-phone@example.org", PASSWORD)
    assert code_step(client, codes[3]).status_code == 200
    assert not signed_in(client)


def test_code_attempts_are_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_TWO_FACTOR="3 per minute")
    secret = pyotp.random_base32()
    make_user("guessed@example.org", totp_secret=secret, totp_enabled_at=utcnow())
    client = app.test_client()
    signin(client, "guessed@example.org", PASSWORD)
    assert [code_step(client, "000000").status_code for _ in range(3)] == [200, 200, 200]
    blocked = code_step(client, pyotp.TOTP(secret).now())
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert not signed_in(client)


def test_a_halfway_signin_expires(app, client, make_user, monkeypatch):
    from sitemaker.home import two_factor as view

    secret = pyotp.random_base32()
    make_user("slow@example.org", totp_secret=secret, totp_enabled_at=utcnow())
    signin(client, "slow@example.org", PASSWORD)
    monkeypatch.setattr(view, "PENDING_SECONDS", -1)
    response = client.get("/signin/code", base_url=APEX)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/signin"
    assert client.get("/signin/code", base_url=APEX).status_code == 302


def test_a_password_reset_does_not_skip_the_second_factor(app, client, make_user):
    secret = pyotp.random_base32()
    make_user("reset2@example.org", totp_secret=secret, totp_enabled_at=utcnow())
    submit(client, "/reset", {"email": "reset2@example.org"})
    link = link_in(mails(app.config["MAIL_OUTBOX"])[-1], "reset")
    done = submit(client, link, {"password": "a brand new password"})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/signin/code"
    assert not signed_in(client)
    assert code_step(client, pyotp.TOTP(secret).now()).status_code == 302
    assert signed_in(client)


def test_turning_it_off_needs_the_password_and_a_code(app, client, make_user):
    make_user("off@example.org")
    signin(client, "off@example.org", PASSWORD)
    secret, _codes = turn_on(app, client)
    code = pyotp.TOTP(secret).now()
    bad = submit(
        client,
        "/account/security/disable",
        {"off-password": "not it", "off-code": code},
        form_path="/account/security",
    )
    assert bad.status_code == 400 and "That password is not right" in bad.get_data(as_text=True)
    assert user_row(app, "off@example.org").has_two_factor
    user = user_row(app, "off@example.org")
    wrong = submit(
        client,
        "/account/security/disable",
        {"off-password": PASSWORD, "off-code": "999999"},
        form_path="/account/security",
    )
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    assert user_row(app, "off@example.org").has_two_factor
    # The code of the next time step (the one just typed was spent when turning it on).
    later = pyotp.TOTP(secret).at(time.time() + 30)
    ok = submit(
        client,
        "/account/security/disable",
        {"off-password": PASSWORD, "off-code": later},
        form_path="/account/security",
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)
    after = user_row(app, "off@example.org")
    assert not after.has_two_factor and after.totp_secret is None
    assert after.auth_version > user.auth_version
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert signed_in(client)


def test_operators_need_two_factor_for_the_console(app, client, make_user, login):
    without = make_user("op-plain@example.org", is_operator=True, totp_secret=None)
    login(client, without)
    response = client.get("/ops/", base_url=APEX)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/security"
    page = client.get("/account/security", base_url=APEX).get_data(as_text=True)
    assert "Turn on two-factor sign-in to open the operators&#39; console." in page

    with_it = make_user("op-2fa@example.org", is_operator=True)
    login(client, with_it)
    assert client.get("/ops/", base_url=APEX).status_code == 200
    login(client, make_user("plain@example.org"))
    assert client.get("/ops/", base_url=APEX).status_code == 404


@pytest.mark.parametrize("code", ["", "x" * 70, "12345", "1234567", "\x00\x00\x00\x00\x00\x00"])
def test_odd_codes_are_a_clear_no(app, client, make_user, code):
    make_user("odd@example.org", totp_secret=pyotp.random_base32(), totp_enabled_at=utcnow())
    signin(client, "odd@example.org", PASSWORD)
    response = code_step(client, code)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "not right" in text or "Enter the code" in text or "Field cannot be longer" in text
    assert not signed_in(client)


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user):
    make_user("renew@example.org")
    signin(client, "renew@example.org", PASSWORD)
    secret, old_codes = turn_on(app, client)
    page = client.get("/account/security", base_url=APEX).get_data(as_text=True)
    assert "10 recovery codes are left" in page and old_codes[0] not in page
    renewed = submit(
        client,
        "/account/security/recovery-codes",
        {"renew-code": pyotp.TOTP(secret).at(time.time() + 30)},
        form_path="/account/security",
    )
    assert renewed.status_code == 200
    new_codes = CODE_LIST.findall(renewed.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    submit(client, "/signout", {}, form_path="/account")
    signin(client, "renew@example.org", PASSWORD)
    assert code_step(client, old_codes[0]).status_code == 200
    assert code_step(client, new_codes[0]).status_code == 302


def test_setup_needs_a_confirmed_address_and_the_qr_code_fits_the_csp(app, client, make_user):
    make_user("fresh@example.org", email_confirmed_at=None)
    signin(client, "fresh@example.org", PASSWORD)
    response = submit(client, "/account/security/setup", {}, form_path="/account/security")
    assert response.status_code == 302
    page = client.get("/account/security", base_url=APEX)
    assert "Confirm your email address before turning on" in page.get_data(as_text=True)
    assert user_row(app, "fresh@example.org").totp_secret is None
    # The QR code is a data: image, which the apex's CSP allows (and no script draws it).
    assert "img-src 'self' https: data:" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/security/enable", {"code": "123456"}),
        ("/account/security/recovery-codes", {"renew-code": "123456"}),
        ("/account/security/disable", {"off-password": PASSWORD, "off-code": "1"}),
    ],
)
def test_account_security_posts_without_setup_are_harmless(app, client, make_user, path, data):
    make_user("none@example.org")
    signin(client, "none@example.org", PASSWORD)
    response = submit(client, path, data, form_path="/account/security")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/security"
    assert not user_row(app, "none@example.org").has_two_factor
    assert client.post(path, data=data, base_url=APEX).status_code == 400  # no CSRF token
