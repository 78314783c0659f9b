"""Each new post mailed once to confirmed subscribers, over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import NewsletterDelivery, NewsletterSettings, Page, Site
from sitemaker.models.common import utcnow
from sitemaker.services import newsletter_schedule
from sitemaker.services.pages import save_page, set_status
from tests.newsletter_helpers import (
    add_subscribers,
    page_of,
    publish,
    send_of,
    smtp_inbox,  # noqa: F401 (a fixture)
    statuses,
)
from tests.subscribe_flow import link_after, path_of, subscribe


@pytest.fixture
def mail_app(make_app, smtp_inbox):  # noqa: F811
    port, inbox = smtp_inbox
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="sitemaker <hello@example.test>",
        PREFERRED_URL_SCHEME="https",
    )
    return app, inbox


def test_subscribe_confirm_publish_unsubscribe_edit_republish(mail_app, site):
    app, inbox = mail_app
    client = app.test_client()
    for email in ("one@example.org", "two@example.org", "pending@example.org"):
        assert subscribe(client, "acme", email).status_code == 200
    for _, message in inbox.messages[:2]:
        client.post(link_after(message.get_content(), "subscribe/confirm"), subdomain="acme")
    post_id = publish(app, site.id, "Spring news", "See [the page](/about) ![x](/media/a.png)")

    sent = inbox.titled("Spring news")
    assert sorted(rcpt for rcpts, m in inbox.messages if m in sent for rcpt in rcpts) == [
        "one@example.org",
        "two@example.org",
    ]
    message = sent[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://acme.example.test/unsubscribe/")
    assert message["From"].addresses[0].display_name == "Acme"
    html = message.get_body(("html",)).get_content()
    assert 'href="https://acme.example.test/about"' in html
    assert 'src="https://acme.example.test/media/a.png"' in html
    text = message.get_body(("plain",)).get_content()
    assert "https://acme.example.test/spring-news" in text and "See the page" in text
    send = send_of(app, post_id)
    assert (send.status, send.total) == ("sent", 2)

    # One-click unsubscribe, as a mail client does it (RFC 8058).
    unsubscribe = path_of(message["List-Unsubscribe"].strip("<>"))
    one = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}, subdomain="acme")
    assert one.status_code == 200
    gone = [e for e, s in statuses(app, site.id).items() if s == "unsubscribed"]
    assert gone == [message["To"]]

    with app.app_context():
        acme, page = db.session.get(Site, site.id), db.session.get(Page, post_id)
        save_page(
            acme,
            page,
            expected_version=page.version,
            title="Spring news",
            body="Edited",
            slug=page.slug,
            description="",
            status="published",
            published_at=None,
            author_id=None,
        )
        db.session.commit()
        set_status(acme, page, "draft")
        db.session.commit()
        set_status(acme, page, "published")
        db.session.commit()
    assert len(inbox.titled("Spring news")) == 2  # neither the edit nor republishing resends

    publish(app, site.id, "Summer news")
    (summer,) = inbox.titled("Summer news")
    assert summer["To"] != message["To"]


def test_no_database_transaction_is_open_while_talking_smtp(mail_app, site, monkeypatch):
    app, inbox = mail_app
    add_subscribers(app, site.id, [f"r{n}@example.org" for n in range(5)])
    seen: list[bool] = []
    real_send = smtplib.SMTP.send

    def watched(self, data):
        seen.append(db.session().in_transaction())
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", watched)
    publish(app, site.id, "Watched")
    assert len(inbox.titled("Watched")) == 5
    assert seen and not any(seen)


def test_scheduled_post_is_sent_once_when_due(mail_app, site, runner):
    app, inbox = mail_app
    add_subscribers(app, site.id, ["one@example.org"])
    later = utcnow() + timedelta(hours=2)
    post_id = publish(app, site.id, "Later", published_at=later)
    cli = app.test_cli_runner()
    assert "queued for mailing: 0" in cli.invoke(args=["subscribers", "send-due"]).output
    assert inbox.titled("Later") == [] and send_of(app, post_id) is None
    with app.app_context():  # time passes: no write touches the post when it falls due
        db.session.execute(
            sa.update(Page)
            .where(Page.id == post_id)
            .values(published_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert "queued for mailing: 1" in cli.invoke(args=["subscribers", "send-due"]).output
    assert "queued for mailing: 0" in cli.invoke(args=["subscribers", "send-due"]).output
    assert len(inbox.titled("Later")) == 1


def test_publish_without_emailing_and_the_site_switch(mail_app, site):
    app, inbox = mail_app
    add_subscribers(app, site.id, ["one@example.org"])
    draft_id = publish(app, site.id, "Quiet", status="draft")
    with app.app_context():
        acme, page = db.session.get(Site, site.id), db.session.get(Page, draft_id)
        assert newsletter_schedule.set_post_mailing(acme, page, False)
        db.session.commit()
        set_status(acme, page, "published")
        db.session.commit()
        db.session.add(NewsletterSettings(site_id=site.id, sending_enabled=False))
        db.session.commit()
    loud_id = publish(app, site.id, "Switched off")
    assert inbox.titled("Quiet") == [] and inbox.titled("Switched off") == []
    assert send_of(app, draft_id).status == "off"
    assert send_of(app, loud_id).status == "skipped"
    with app.app_context():  # a mailing that was decided cannot be turned back on
        acme, page = db.session.get(Site, site.id), db.session.get(Page, loud_id)
        assert not newsletter_schedule.set_post_mailing(acme, page, True)


def test_daily_quota_stops_a_run_and_says_so(mail_app, site, runner):
    app, inbox = mail_app
    add_subscribers(app, site.id, ["one@example.org", "two@example.org", "three@example.org"])
    assert (
        "daily quota 2"
        in app.test_cli_runner().invoke(args=["subscribers", "quota", "acme", "2"]).output
    )
    post_id = publish(app, site.id, "Too many")
    send = send_of(app, post_id)
    assert send.status == "stopped"
    assert "3 subscribers, but only 2 of the daily sending quota of 2" in send.message
    assert inbox.titled("Too many") == []


def test_bounces_mark_the_address_and_others_still_receive(mail_app, site):
    app, inbox = mail_app
    add_subscribers(app, site.id, ["bounce@example.org", "fine@example.org"])
    post_id = publish(app, site.id, "Bouncy")
    assert [m["To"] for m in inbox.titled("Bouncy")] == ["fine@example.org"]
    assert statuses(app, site.id) == {
        "bounce@example.org": "bounced",
        "fine@example.org": "confirmed",
    }
    with app.app_context():
        kinds = dict(
            db.session.execute(
                sa.select(NewsletterDelivery.status, sa.func.count()).group_by(
                    NewsletterDelivery.status
                )
            ).all()
        )
    assert kinds == {"bounced": 1, "sent": 1}
    assert send_of(app, post_id).status == "sent"


def test_a_sites_subscribers_never_get_another_sites_posts(mail_app, site, make_site):
    app, inbox = mail_app
    beta = make_site("beta")
    add_subscribers(app, site.id, ["acme-reader@example.org"])
    add_subscribers(app, beta.id, ["beta-reader@example.org"])
    publish(app, beta.id, "Beta only")
    publish(app, site.id, "Acme only")
    assert [m["To"] for m in inbox.titled("Beta only")] == ["beta-reader@example.org"]
    assert [m["To"] for m in inbox.titled("Acme only")] == ["acme-reader@example.org"]


def test_old_posts_and_pages_are_not_mailed(mail_app, site):
    app, inbox = mail_app
    add_subscribers(app, site.id, ["one@example.org"])
    old = publish(app, site.id, "Backdated", published_at=utcnow() - timedelta(days=30))
    with app.app_context():
        from sitemaker.services.pages import create_page

        create_page(db.session.get(Site, site.id), "About", "x", status="published")
        db.session.commit()
    assert inbox.messages == []
    assert send_of(app, old).status == "skipped"
    assert page_of(app, old).title == "Backdated"
