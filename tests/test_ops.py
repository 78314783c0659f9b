"""The operator console: operators only, search, suspend with a reason visitors see, quotas,
storage, and an audit entry for every change."""

import re

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import AuditLog, Media, Site

APEX = "http://example.test"


def csrf_token(client, path):
    html = client.get(path, base_url=APEX).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture
def operator(make_user):
    return make_user("ops@example.org", is_operator=True)


@pytest.fixture
def ops_client(client, operator, login):
    login(client, operator)
    return client


def audit_entries(app):
    with app.app_context():
        return [
            (e.actor_email, e.action, e.target, e.detail)
            for e in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))
        ]


def test_console_is_hidden_from_everyone_but_operators(client, make_user, login):
    assert client.get("/ops/", base_url=APEX).status_code == 404
    login(client, make_user("tenant@example.org"))
    response = client.get("/ops/sites", base_url=APEX)
    assert response.status_code == 404
    assert b"Not found" in response.data
    # Not reachable on a tenant host either.
    assert client.get("/ops/", subdomain="acme").status_code == 404


def test_search_finds_sites_and_users(ops_client, make_user, make_site):
    owner = make_user("alice@example.org")
    make_site("alice-blog", owner=owner, title="Alice's Garden")
    make_site("bob", title="Bob")
    html = ops_client.get("/ops/?q=garden", base_url=APEX).get_data(as_text=True)
    assert "alice-blog" in html and ">bob<" not in html
    html = ops_client.get("/ops/?q=ALICE", base_url=APEX).get_data(as_text=True)
    assert "alice@example.org" in html and "alice-blog" in html
    # LIKE wildcards are literal.
    html = ops_client.get("/ops/?q=%25", base_url=APEX).get_data(as_text=True)
    assert "alice-blog" not in html and "No sites." in html
    html = ops_client.get("/ops/users?q=example.org", base_url=APEX).get_data(as_text=True)
    assert "alice@example.org" in html and "ops@example.org" in html


def test_console_pages_offer_sign_out(ops_client):
    html = ops_client.get("/ops/sites", base_url=APEX).get_data(as_text=True)
    assert 'href="/ops/audit"' in html
    assert 'action="/signout"' in html and ">Sign out</button>" in html


def test_recent_signups_and_status_counts(ops_client, make_user, make_site):
    make_user("newcomer@example.org", email_confirmed_at=None)
    make_site("gone", status="deleted")
    html = ops_client.get("/ops/", base_url=APEX).get_data(as_text=True)
    assert "newcomer@example.org" in html
    assert "0 active, 0 suspended,\n  1 deleted" in html


def test_suspend_shows_reason_to_visitors_and_is_audited(
    app, ops_client, make_site, make_page, operator
):
    site = make_site("acme")
    make_page(site, "Home", "Welcome", status="published", is_home=True)
    assert ops_client.get("/", subdomain="acme").status_code == 200
    token = csrf_token(ops_client, f"/ops/sites/{site.id}")
    response = ops_client.post(
        f"/ops/sites/{site.id}/suspend",
        data={"csrf_token": token, "reason": "  Phishing reported  "},
        base_url=APEX,
    )
    assert response.status_code == 303
    visitor = ops_client.application.test_client()
    gone = visitor.get("/", subdomain="acme")
    assert gone.status_code == 410
    assert b"Reason: Phishing reported" in gone.data
    assert audit_entries(app) == [
        ("ops@example.org", "site.suspend", "site:acme", "Phishing reported")
    ]
    page = ops_client.get(f"/ops/sites/{site.id}", base_url=APEX).get_data(as_text=True)
    assert "suspended — Phishing reported" in page
    ops_client.post(f"/ops/sites/{site.id}/unsuspend", data={"csrf_token": token}, base_url=APEX)
    assert visitor.get("/", subdomain="acme").status_code == 200
    assert audit_entries(app)[-1][:3] == ("ops@example.org", "site.unsuspend", "site:acme")


def test_bad_suspend_requests_change_nothing(app, ops_client, make_site):
    site = make_site("acme")
    token = csrf_token(ops_client, f"/ops/sites/{site.id}")
    url = f"/ops/sites/{site.id}/suspend"
    # Blank reason, over-long reason, missing CSRF token, unknown site.
    response = ops_client.post(url, data={"csrf_token": token, "reason": "   "}, base_url=APEX)
    assert response.status_code == 303
    follow = ops_client.get(response.location, base_url=APEX).get_data(as_text=True)
    assert "Give a reason." in follow
    ops_client.post(url, data={"csrf_token": token, "reason": "x" * 501}, base_url=APEX)
    assert ops_client.post(url, data={"reason": "spam"}, base_url=APEX).status_code == 400
    response = ops_client.post(
        "/ops/sites/99999/suspend", data={"csrf_token": token, "reason": "x"}, base_url=APEX
    )
    assert response.status_code == 404
    # Unsuspending an active site is refused.
    ops_client.post(f"/ops/sites/{site.id}/unsuspend", data={"csrf_token": token}, base_url=APEX)
    with app.app_context():
        assert db.session.get(Site, site.id).status == "active"
    assert audit_entries(app) == []


def test_quota_overrides_and_storage(app, ops_client, make_site):
    site = make_site("acme")
    with app.app_context():
        db.session.add(
            Media(site_id=site.id, stored_name="a.png", original_name="a.png",
                  content_type="image/png", size=3 * 1024 * 1024, sha256="0" * 64)
        )  # fmt: skip
        db.session.commit()
    html = ops_client.get(f"/ops/sites/{site.id}", base_url=APEX).get_data(as_text=True)
    assert "3.0 MB of 1024.0 MB (default)" in html
    assert "3.0 MB" in ops_client.get("/ops/sites", base_url=APEX).get_data(as_text=True)
    token = csrf_token(ops_client, f"/ops/sites/{site.id}")
    url = f"/ops/sites/{site.id}/quota"
    ops_client.post(
        url, data={"csrf_token": token, "max_pages": "7", "max_megabytes": "50"}, base_url=APEX
    )
    with app.app_context():
        saved = db.session.get(Site, site.id)
        assert (saved.max_pages, saved.max_bytes) == (7, 50 * 1024 * 1024)
    html = ops_client.get(f"/ops/sites/{site.id}", base_url=APEX).get_data(as_text=True)
    assert "0 of 7" in html and "of 50.0 MB" in html
    # Negative and non-numeric values are refused with a message; nothing changes.
    for bad in ({"max_pages": "-1"}, {"max_megabytes": "lots"}, {"max_pages": "1e99"}):
        response = ops_client.post(url, data={"csrf_token": token, **bad}, base_url=APEX)
        assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Site, site.id)
        assert (saved.max_pages, saved.max_bytes) == (7, 50 * 1024 * 1024)
    # Empty fields return to the defaults.
    ops_client.post(url, data={"csrf_token": token}, base_url=APEX)
    with app.app_context():
        saved = db.session.get(Site, site.id)
        assert (saved.max_pages, saved.max_bytes) == (None, None)
    actions = [entry[1] for entry in audit_entries(app)]
    assert actions == ["site.quota", "site.quota"]


def test_audit_page_lists_changes(app, ops_client, make_site):
    site = make_site("acme")
    token = csrf_token(ops_client, f"/ops/sites/{site.id}")
    ops_client.post(
        f"/ops/sites/{site.id}/suspend",
        data={"csrf_token": token, "reason": "<script>alert(1)</script>"},
        base_url=APEX,
    )
    html = ops_client.get("/ops/audit", base_url=APEX).get_data(as_text=True)
    assert "site.suspend" in html and "ops@example.org" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert ops_client.get("/ops/audit?page=999", base_url=APEX).status_code == 200


def test_healthz(client, app):
    response = client.get("/healthz", base_url=APEX)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_database_is_unreachable(make_app):
    make_app()  # the fixture cleans the test database through its first app
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = app.test_client().get("/healthz", base_url=APEX)
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
