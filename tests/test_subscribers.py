"""Subscribe, confirm, unsubscribe: double opt-in under the visitor pages' caching and CSP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sitemaker.extensions import db
from sitemaker.models import Subscriber
from sitemaker.services import subscribers
from tests.accounts_flow import mails
from tests.subscribe_flow import form_token, link_after, subscribe

INBOX = "Check your inbox"


def rows(app, site_id=None):
    with app.app_context():
        query = select(Subscriber.email, Subscriber.status, Subscriber.site_id)
        if site_id is not None:
            query = query.where(Subscriber.site_id == site_id)
        return sorted(db.session.execute(query).all())


def test_footer_form_is_the_same_for_every_visitor_and_needs_no_script(client, site, make_page):
    make_page(site, "First", status="published", kind="post")
    first = client.get("/", subdomain="acme")
    other = client.application.test_client().get("/", subdomain="acme")
    assert 'action="/subscribe" method="post"' in first.text
    assert form_token(client, "acme") in first.text
    assert first.text == other.text
    assert "script-src 'none'" in first.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in first.headers


def test_subscribe_confirm_unsubscribe(app, client, site):
    answer = subscribe(client, "acme", "Reader@Example.org")
    assert answer.status_code == 200 and INBOX in answer.text
    assert rows(app) == [("reader@example.org", "pending", site.id)]
    (message,) = mails(app.config["MAIL_OUTBOX"])
    assert message["To"] == "reader@example.org"
    assert "Confirm your subscription to Acme" in message["Subject"]
    confirm = link_after(message.get_content(), "subscribe/confirm")
    page = client.get(confirm, subdomain="acme")
    assert "Confirm my subscription" in page.text
    assert rows(app)[0][1] == "pending"  # a link scanner's GET confirms nothing
    done = client.post(confirm, subdomain="acme")
    assert "You are subscribed" in done.text
    assert rows(app)[0][1] == "confirmed"

    with app.app_context():
        token = subscribers.unsubscribe_token(db.session.scalars(select(Subscriber)).one())
    assert "Unsubscribe" in client.get(f"/unsubscribe/{token}", subdomain="acme").text
    gone = client.post(
        f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}, subdomain="acme"
    )
    assert "You are unsubscribed" in gone.text
    assert rows(app)[0][1] == "unsubscribed"
    # Final: confirming again does not bring it back.
    assert client.post(confirm, subdomain="acme").status_code == 400
    assert rows(app)[0][1] == "unsubscribed"


def test_subscribing_again_reveals_nothing_and_sends_nothing_new(app, client, site):
    first = subscribe(client, "acme", "reader@example.org")
    (message,) = mails(app.config["MAIL_OUTBOX"])
    client.post(link_after(message.get_content(), "subscribe/confirm"), subdomain="acme")
    again = subscribe(client, "acme", "READER@example.ORG")
    fresh = subscribe(client, "acme", "new@example.org")
    assert again.text.replace("new@", "") == first.text.replace("new@", "")
    assert INBOX in again.text and INBOX in fresh.text
    assert [m["To"] for m in mails(app.config["MAIL_OUTBOX"])] == [
        "reader@example.org",
        "new@example.org",
    ]
    assert rows(app) == [
        ("new@example.org", "pending", site.id),
        ("reader@example.org", "confirmed", site.id),
    ]


@pytest.mark.parametrize(
    "email",
    [
        "not-an-address",
        "",
        "a@b.c\r\nBcc: x@y.z",
        "a@b.c\nBcc: x@y.z",
        "nul\x00@example.org",
        "x" * 250 + "@example.org",
        "a" * 400,
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_stored_or_sent(app, client, site, email):
    answer = subscribe(client, "acme", email)
    assert answer.status_code == 400
    assert (
        "valid email address" in answer.text
        or "control characters" in answer.text
        or ("at most 254" in answer.text)
    )
    assert rows(app) == []
    assert mails(app.config["MAIL_OUTBOX"]) == []


def test_forged_token_foreign_origin_and_rate_limits(make_app, site):
    app = make_app(RATELIMIT_SUBSCRIBE_CLIENT="2 per minute")
    client = app.test_client()
    forged = client.post(
        "/subscribe", data={"email": "a@example.org", "token": "0" * 32}, subdomain="acme"
    )
    assert forged.status_code == 400 and "reload the page" in forged.text
    cross = subscribe(client, "acme", "a@example.org", Origin="https://evil.example")
    assert cross.status_code == 403
    same = subscribe(client, "acme", "a@example.org", Origin="http://acme.example.test")
    assert same.status_code == 200
    assert subscribe(client, "acme", "b@example.org").status_code == 200
    limited = subscribe(client, "acme", "c@example.org")
    assert limited.status_code == 429
    assert [r[0] for r in rows(app)] == ["a@example.org", "b@example.org"]


def test_site_limit_counts_every_client(make_app, site):
    app = make_app(RATELIMIT_SUBSCRIBE_SITE="2 per hour")
    for n in range(2):
        client = app.test_client()
        assert subscribe(client, "acme", f"r{n}@example.org").status_code == 200
    assert subscribe(app.test_client(), "acme", "r9@example.org").status_code == 429


def test_forged_expired_and_other_sites_tokens_are_refused(app, client, site, make_site):
    make_site("beta")
    subscribe(client, "acme", "reader@example.org")
    (message,) = mails(app.config["MAIL_OUTBOX"])
    confirm = link_after(message.get_content(), "subscribe/confirm")
    # Another site's host: the token names acme.
    assert client.post(confirm, subdomain="beta").status_code == 400
    assert client.get(confirm, subdomain="beta").status_code == 400
    assert client.post(confirm + "x", subdomain="acme").status_code == 400
    assert client.post("/unsubscribe/forged", subdomain="acme").status_code == 400
    # A confirm token is not an unsubscribe token.
    token = confirm.rsplit("/", 1)[1]
    assert client.post(f"/unsubscribe/{token}", subdomain="acme").status_code == 400
    with app.app_context():
        with pytest.raises(subscribers.BadToken, match="expired"):
            subscribers.read_token(subscribers.CONFIRM_PURPOSE, token, max_age=-1)
    assert rows(app) == [("reader@example.org", "pending", site.id)]


def test_same_address_on_two_sites_is_two_subscriptions(app, client, site, make_site):
    beta = make_site("beta")
    subscribe(client, "acme", "reader@example.org")
    subscribe(client, "beta", "reader@example.org")
    assert rows(app, beta.id) == [("reader@example.org", "pending", beta.id)]
    assert len(rows(app)) == 2
