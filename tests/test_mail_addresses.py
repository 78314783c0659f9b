"""Internationalised addresses and one-line headers, through a real SMTP sink (aiosmtpd):
one normalisation for accounts and invitations, the domain sent in its IDNA form, a
non-ASCII local part only over SMTPUTF8, and a site title with CR/LF never breaking a mail."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Invitation, Site, User
from tests.accounts_flow import signup
from tests.components import free_port
from tests.conftest import PASSWORD
from tests.dash_helpers import csrf_from


class Inbox:
    """Keeps every message with its envelope, raw bytes included."""

    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content
        self.received.append((envelope, raw, message_from_bytes(raw, policy=policy.default)))
        return "250 Message accepted for delivery"


def sink(smtputf8: bool) -> Iterator[tuple[int, Inbox]]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover
        from tests.components import missing

        missing("aiosmtpd is not installed")
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def plain_smtp() -> Iterator[tuple[int, Inbox]]:
    yield from sink(smtputf8=False)


@pytest.fixture
def utf8_smtp() -> Iterator[tuple[int, Inbox]]:
    yield from sink(smtputf8=True)


def smtp_app(make_app, port: int):
    return make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="sitemaker <hello@example.test>",
    )


def owner_signed_in(app, make_user, make_site, login, **site):
    """A client signed in as the owner of acme, on its host."""
    owner = make_user("owner@example.org")
    make_site("acme", owner=owner, **site)
    client = app.test_client()
    login(client, owner, "acme")
    return client


def invite(client, email: str, role: str = "editor"):
    csrf = csrf_from(client, "/admin/members", "acme")
    return client.post(
        "/admin/members/invite", data={"email": email, "role": role, "csrf_token": csrf},
        subdomain="acme",
    )  # fmt: skip


def test_an_idn_domain_travels_as_idna_and_matches_the_invitation(
    make_app, plain_smtp, make_user, make_site, login
):
    port, inbox = plain_smtp
    app = smtp_app(make_app, port)
    owner_client = owner_signed_in(app, make_user, make_site, login, title="Acme")

    assert invite(owner_client, "Kim@Bücher.DE").status_code == 302
    envelope, raw, message = inbox.received[-1]
    assert envelope.rcpt_tos == ["kim@xn--bcher-kva.de"]
    assert message["To"] == "kim@xn--bcher-kva.de" and raw.isascii()

    # The invitee signs up typing the Unicode form: the same stored address.
    kim = app.test_client()
    assert signup(kim, "kim@bücher.de", PASSWORD).status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(User.email).where(User.email.like("kim@%")))
        invited = db.session.scalar(sa.select(Invitation.email))
    assert stored == invited == "kim@xn--bcher-kva.de"
    envelope, raw, message = inbox.received[-1]
    assert envelope.rcpt_tos == ["kim@xn--bcher-kva.de"] and raw.isascii()
    assert message["Subject"] == "Confirm your email address"


def test_a_unicode_local_part_goes_out_over_smtputf8(
    make_app, utf8_smtp, make_user, make_site, login
):
    port, inbox = utf8_smtp
    app = smtp_app(make_app, port)
    client = owner_signed_in(app, make_user, make_site, login, title="Café")
    response = invite(client, "Jörg@Bücher.de")
    assert response.status_code == 302
    envelope, raw, message = inbox.received[-1]
    assert "SMTPUTF8" in envelope.mail_options
    assert envelope.rcpt_tos == ["jörg@xn--bcher-kva.de"]
    # A UTF-8 header (RFC 6532), not an encoded-word that no server could route.
    assert "To: jörg@xn--bcher-kva.de".encode() in raw and b"=?utf-8?" not in raw.split(b"\n\n")[0]
    assert message["Subject"] == "Join Café on sitemaker"


def test_a_server_without_smtputf8_is_a_clear_failure_not_a_500(
    make_app, plain_smtp, make_user, make_site, login, caplog
):
    port, inbox = plain_smtp
    app = smtp_app(make_app, port)
    client = owner_signed_in(app, make_user, make_site, login)
    response = invite(client, "jörg@example.org")
    assert response.status_code == 302
    # The mail job meets the refusal: logged once as not sent, never retried, no 500.
    refusals = [r for r in caplog.records if "not sent, not retried" in r.getMessage()]
    assert len(refusals) == 1 and "SMTPUTF8" in refusals[0].getMessage()
    assert inbox.received == []
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.email)) == "jörg@example.org"


def test_a_title_with_cr_lf_is_one_line_everywhere(
    make_app, plain_smtp, make_user, make_site, login
):
    port, inbox = plain_smtp
    app = smtp_app(make_app, port)
    owner = make_user("owner@example.org")
    site = make_site("acme", owner=owner, title="Garden\r\nBcc: spy@evil.test")
    with app.app_context():
        # Stored on one line, whoever wrote it (here: the model, as an import or the CLI would).
        assert db.session.get(Site, site.id).title == "Garden  Bcc: spy@evil.test"
        # A row written before this rule existed, behind the application's back.
        db.session.execute(
            sa.text("UPDATE sites SET tagline = :t WHERE id = :i"),
            {"t": "x\r\ny", "i": site.id},
        )
        db.session.execute(
            sa.text("UPDATE sites SET title = :t WHERE id = :i"),
            {"t": "Old\r\nBcc: spy@evil.test", "i": site.id},
        )
        db.session.commit()
    client = app.test_client()
    login(client, owner, "acme")
    response = invite(client, "friend@example.org")
    assert response.status_code == 302
    envelope, raw, message = inbox.received[-1]
    assert envelope.rcpt_tos == ["friend@example.org"]
    assert message["Subject"] == "Join Old Bcc: spy@evil.test on sitemaker"
    assert message["Bcc"] is None


def test_api_writes_are_stored_on_one_line(app, client, make_user, make_site):
    from sitemaker.services import api_tokens
    from tests.api_helpers import Api

    owner = make_user("owner@example.org")
    site = make_site("acme", owner=owner)
    with app.app_context():
        _row, token = api_tokens.create_token(
            db.session.get(Site, site.id), db.session.get(User, owner.id), "t", ["pages:write"]
        )
        db.session.commit()
    created = Api(client, "acme", token).post("/pages", json={"title": "A\r\nB\tC", "body": ""})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["title"] == "A  B C"
    with app.app_context():
        from sitemaker.models import Page

        assert db.session.scalar(sa.select(Page.title)) == "A  B C"
