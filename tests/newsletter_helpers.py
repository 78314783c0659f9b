"""Helpers for the post-mail tests: an aiosmtpd inbox, confirmed subscribers in bulk, posts."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import NewsletterSend, Page, Site, Subscriber
from sitemaker.models.common import utcnow
from sitemaker.services.pages import create_page
from tests.components import free_port, missing


class Inbox:
    """An aiosmtpd handler that keeps every message; RCPT to a "bounce" address gets 550."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.startswith("bounce"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def titled(self, subject: str) -> list:
        return [m for _, m in self.messages if m["Subject"] == subject]


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[int, Inbox]]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover
        missing("aiosmtpd is not installed")
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def add_subscribers(app, site_id: int, emails: list[str], status: str = "confirmed") -> None:
    with app.app_context():
        now = utcnow()
        db.session.execute(
            sa.insert(Subscriber),
            [
                {
                    "site_id": site_id,
                    "email": e,
                    "status": status,
                    "created_at": now,
                    "confirmed_at": now,
                    "bounce_reason": "",
                }
                for e in emails
            ],
        )
        db.session.commit()


def publish(app, site_id: int, title: str, body: str = "Hello [home](/about)", **fields) -> int:
    with app.app_context():
        fields.setdefault("status", "published")
        page = create_page(db.session.get(Site, site_id), title, body, kind="post", **fields)
        db.session.commit()
        return page.id


def send_of(app, page_id: int) -> NewsletterSend | None:
    with app.app_context():
        send = db.session.scalar(sa.select(NewsletterSend).where(NewsletterSend.page_id == page_id))
        if send is not None:
            db.session.expunge(send)
        return send


def statuses(app, site_id: int) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Subscriber.email, Subscriber.status).where(Subscriber.site_id == site_id)
        )
        return dict(rows.all())


def page_of(app, page_id: int) -> Page:
    with app.app_context():
        page = db.session.get(Page, page_id)
        db.session.expunge(page)
        return page
