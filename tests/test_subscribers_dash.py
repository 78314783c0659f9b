"""The dashboard's Subscribers page: count, search, remove, CSV export and import (which only
ever sends confirmations), the site's sending switch, and each post's mailing. Scoped by site."""

from __future__ import annotations

import io

from tests.accounts_flow import mails
from tests.dash_client import add_member, csrf_token
from tests.newsletter_helpers import add_subscribers, publish, send_of, statuses


def _import(client, data: bytes, name: str = "list.csv"):
    return client.post(
        "/admin/subscribers/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data), name)},
        subdomain="acme",
        content_type="multipart/form-data",
    )


def test_count_search_remove_and_export(app, signed_in, site, make_site):
    beta = make_site("beta")
    add_subscribers(app, site.id, ["ann@example.org", "bob@example.org"])
    add_subscribers(app, site.id, ["pending@example.org"], status="pending")
    add_subscribers(app, beta.id, ["beta-only@example.org"])
    page = signed_in.get("/admin/subscribers", subdomain="acme").text
    assert '<strong id="confirmed-count">2</strong>' in page and "1 waiting" in page
    assert "ann@example.org" in page and "beta-only@example.org" not in page
    found = signed_in.get("/admin/subscribers?q=BOB", subdomain="acme").text
    assert "bob@example.org" in found and "ann@example.org" not in found
    assert "No address matches" in signed_in.get("/admin/subscribers?q=%25", subdomain="acme").text

    csv_text = signed_in.get("/admin/subscribers.csv", subdomain="acme").text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "email,status,created_at,confirmed_at"
    assert sorted(line.split(",")[0] for line in lines[1:]) == [
        "ann@example.org",
        "bob@example.org",
        "pending@example.org",
    ]
    # Another site's subscriber id is a 404 here, like one that does not exist.
    with app.app_context():
        from sitemaker.extensions import db
        from sitemaker.models import Subscriber

        ids = dict(db.session.execute(db.select(Subscriber.email, Subscriber.id)).all())
    token = csrf_token(signed_in)
    other = signed_in.post(
        f"/admin/subscribers/{ids['beta-only@example.org']}/remove",
        data={"csrf_token": token},
        subdomain="acme",
    )
    assert other.status_code == 404
    assert statuses(app, beta.id) == {"beta-only@example.org": "confirmed"}
    removed = signed_in.post(
        f"/admin/subscribers/{ids['ann@example.org']}/remove",
        data={"csrf_token": token},
        subdomain="acme",
        follow_redirects=True,
    )
    assert "will receive no more posts" in removed.text
    assert statuses(app, site.id)["ann@example.org"] == "unsubscribed"
    assert signed_in.post("/admin/subscribers/1/remove", subdomain="acme").status_code == 400


def test_import_sends_confirmations_and_never_subscribes_silently(app, signed_in, site):
    add_subscribers(app, site.id, ["known@example.org"])
    answer = _import(
        signed_in,
        b"email,name\nNew@Example.org,New\nknown@example.org,Known\nbad address,x\n"
        b'"a@b.c\r\nBcc: x@y.z",y\n',
        "list.csv",
    )
    assert answer.status_code == 302
    follow = signed_in.get("/admin/subscribers", subdomain="acme").text
    assert "2 addresses read" in follow and "were not valid" in follow
    assert statuses(app, site.id) == {
        "known@example.org": "confirmed",
        "new@example.org": "pending",
    }
    assert [m["To"] for m in mails(app.config["MAIL_OUTBOX"])] == ["new@example.org"]


def test_bad_imports_get_a_message_and_change_nothing(app, signed_in, site):
    for data, message in [
        (b"\xff\xfe\x00bad", "not a UTF-8 CSV file"),
        (b"", "at most 1 MB"),
        (b"x" * 1_000_001, "at most 1 MB"),
        ("\n".join(f"r{n}@example.org" for n in range(1001)).encode(), "at most 1000"),
    ]:
        answer = _import(signed_in, data)
        assert answer.status_code == 400 and message in answer.text
    assert statuses(app, site.id) == {}
    assert mails(app.config["MAIL_OUTBOX"]) == []


def test_sending_switch_and_per_post_status_in_the_editor(app, signed_in, site):
    add_subscribers(app, site.id, ["ann@example.org"])
    post_id = publish(app, site.id, "Sent one")
    editor = signed_in.get(f"/admin/pages/{post_id}/edit", subdomain="acme").text
    assert "Email: sent, to 1 subscriber on" in editor
    listing = signed_in.get("/admin/subscribers", subdomain="acme").text
    assert "Sent one" in listing and "1 of 1" in listing

    draft_id = publish(app, site.id, "Quiet one", status="draft")
    token = csrf_token(signed_in)
    signed_in.post(
        f"/admin/posts/{draft_id}/mailing",
        data={"csrf_token": token, "enabled": "0"},
        subdomain="acme",
    )
    editor = signed_in.get(f"/admin/pages/{draft_id}/edit", subdomain="acme").text
    assert "will be published without emailing" in editor
    assert send_of(app, draft_id).status == "off"
    signed_in.post("/admin/subscribers/sending", data={"csrf_token": token, "enabled": "0"},
                   subdomain="acme")  # fmt: skip
    assert (
        "are <strong>not</strong> sent"
        in signed_in.get("/admin/subscribers", subdomain="acme").text
    )
    assert send_of(app, publish(app, site.id, "After switch")).status == "skipped"


def test_authors_cannot_see_subscribers(app, client, site, make_user, login):
    author = make_user("author@example.org")
    add_member(app, site, author, "author")
    login(client, author, "acme")
    assert client.get("/admin/subscribers", subdomain="acme").status_code in (403, 404)
    assert client.get("/admin/subscribers.csv", subdomain="acme").status_code in (403, 404)


def test_operators_set_a_sites_daily_mail_quota_in_ops(app, client, site, make_user, login):
    from tests.newsletter_helpers import add_subscribers as add
    from tests.test_ops import APEX
    from tests.test_ops import csrf_token as ops_csrf

    login(client, make_user("ops@example.org", is_operator=True))
    path = f"/ops/sites/{site.id}"
    assert "Posts mailed to subscribers per day" in client.get(path, base_url=APEX).text
    token = ops_csrf(client, path)
    bad = client.post(f"{path}/mail-quota", data={"csrf_token": token, "daily_quota": "-3"},
                      base_url=APEX, follow_redirects=True)  # fmt: skip
    assert "a whole number from 0" in bad.text
    client.post(f"{path}/mail-quota", data={"csrf_token": token, "daily_quota": "1"},
                base_url=APEX)  # fmt: skip
    assert 'name="daily_quota" min="0" value="1"' in client.get(path, base_url=APEX).text
    add(app, site.id, ["a@example.org", "b@example.org"])
    send = send_of(app, publish(app, site.id, "Over quota"))
    assert send.status == "stopped" and "daily sending quota of 1" in send.message
