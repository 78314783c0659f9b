"""The confirmation mail over real SMTP (aiosmtpd on a free port), and what happens when the
mail server is down: the account stays and the mail can be sent again from "My sites"."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import User
from tests.accounts_flow import APEX, link_in, signup, submit
from tests.components import free_port
from tests.conftest import PASSWORD


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover
        from tests.components import missing

        missing("aiosmtpd is not installed")
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_confirmation_mail_over_smtp_carries_a_working_link(make_app, smtp_server):
    port, inbox = smtp_server
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="sitemaker <hello@example.test>",
    )
    client = app.test_client()
    response = signup(client, "Smtp.User@Example.org", PASSWORD)
    assert response.status_code == 302
    [(sender, recipients, message)] = inbox.messages
    assert sender == "hello@example.test"
    assert recipients == ["smtp.user@example.org"]
    assert message["Subject"] == "Confirm your email address"
    link = link_in(message, "confirm")
    assert "http://example.test/confirm/" in message.get_body(("plain",)).get_content()

    # The link works in another browser, where nobody is signed in.
    other = app.test_client()
    confirmed = other.get(link, base_url=APEX)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/signin"
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email_confirmed_at is not None


def test_mail_failure_keeps_the_account_and_resend_works(make_app, smtp_server, caplog):
    port, inbox = smtp_server
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    client = down.test_client()
    response = signup(client, "unlucky@example.org", PASSWORD)
    assert response.status_code == 302  # the account is made regardless: mail is a job
    assert "unlucky@example.org failed, will retry: [Errno 111]" in caplog.text
    page = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert "Resend confirmation" in page
    with down.app_context():
        assert db.session.scalar(sa.select(User.email)) == "unlucky@example.org"
    assert inbox.messages == []

    # The mail server is back (same database, same cookies, as after a restart).
    down.config["MAIL_PORT"] = port
    submit(client, "/account/resend-confirmation", {}, form_path="/sites")
    [(_, recipients, message)] = inbox.messages
    assert recipients == ["unlucky@example.org"]
    assert client.get(link_in(message, "confirm"), base_url=APEX).status_code == 302
    assert "Resend confirmation" not in client.get("/sites", base_url=APEX).get_data(as_text=True)


def test_reset_mail_over_smtp(make_app, make_user, smtp_server):
    port, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    make_user("forgetful@example.org")
    client = app.test_client()
    submit(client, "/reset", {"email": "Forgetful@example.org"})
    [(_, recipients, message)] = inbox.messages
    assert recipients == ["forgetful@example.org"]
    link = link_in(message, "reset")
    response = submit(client, link, {"password": "a fresh passphrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/sites"
