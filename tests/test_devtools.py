"""Development tools: the foreign-host redirect, the mailbox, the demo owner and `flask dev`'s
banner exist in development, and nowhere else (production and testing answer 404)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from sitemaker import create_app
from sitemaker.devtools.demo import DEMO_EMAIL, seed_demo_owner
from sitemaker.devtools.hosts import is_foreign
from sitemaker.devtools.server import WithoutStartupLines, banner
from sitemaker.extensions import db
from sitemaker.models import Membership, Site, User
from sitemaker.services import jobs
from sitemaker.services.mail import send_mail
from tests.accounts_flow import csrf_token, submit

APEX = "http://localhost:5000"


def _clean_env(monkeypatch) -> None:
    for name in [n for n in os.environ if n.startswith("SITEMAKER_")] + ["APP_CONFIG_FILE"]:
        if name != "SITEMAKER_REQUIRE_ALL":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def dev_app(make_app, database_url, tmp_path, monkeypatch):
    """The development configuration (what `make run` serves) on the test database."""
    make_app()  # the test database's tables are emptied after the test
    _clean_env(monkeypatch)
    return create_app("development", {
        "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "localhost:5000",
        "MAIL_OUTBOX": str(tmp_path / "outbox"), "MEDIA_ROOT": str(tmp_path / "media"),
        "RATELIMIT_STORAGE_URI": "memory://", "SITE_VERSIONS_FILE": str(tmp_path / "board"),
    })  # fmt: skip


@pytest.fixture
def other_app(make_app, database_url, tmp_path, monkeypatch):
    """Production on PostgreSQL (production refuses SQLite); on the SQLite run, testing."""
    if not database_url.startswith("postgres"):
        return make_app(SERVER_NAME="localhost:5000")
    make_app()
    _clean_env(monkeypatch)
    return create_app("production", {
        "SECRET_KEY": "s" * 40, "SERVER_NAME": "localhost:5000", "PROXY_FIX_HOPS": 0,
        "SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_ROOT": str(tmp_path / "media"),
        "MAIL_OUTBOX": str(tmp_path / "outbox"), "RATELIMIT_STORAGE_URI": "memory://",
        "SITE_VERSIONS_FILE": str(tmp_path / "board"), "SESSION_COOKIE_SECURE": False,
    })  # fmt: skip


def seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result.output


# Foreign hosts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "foreign"),
    [("127.0.0.1:5000", True), ("[::1]:5000", True), ("other.org:5000", True),
     ("localhost:5000", False), ("demo.localhost:5000", False), ("a.b.localhost:5000", False),
     ("127.0.0.1:8080", False), ("LOCALHOST:5000", False), ("x:notaport", False)],
)  # fmt: skip
def test_which_hosts_are_foreign(host, foreign):
    assert is_foreign(host, "localhost:5000") is foreign


@pytest.mark.parametrize("path", ["/", "/signup?email=a%40b.c", "/admin/"])
def test_development_sends_127_0_0_1_to_localhost_with_a_reason(dev_app, path):
    response = dev_app.test_client().get(path, base_url="http://127.0.0.1:5000")
    assert response.status_code == 302
    assert response.headers["Location"] == APEX + path
    text = response.get_data(as_text=True)
    assert "tells sites apart by their host name" in text
    assert f'<a href="{APEX}{path.replace("&", "&amp;")}">' in text


def test_development_keeps_serving_the_apex_and_tenants(dev_app):
    seed(dev_app)
    client = dev_app.test_client()
    assert "Your own website" in client.get("/", base_url=APEX).get_data(as_text=True)
    demo = client.get("/", base_url="http://demo.localhost:5000")
    assert demo.status_code == 200 and "Demo Site" in demo.get_data(as_text=True)


def test_development_serves_a_verified_custom_domain_on_the_apex_port(dev_app):
    seed(dev_app)
    with dev_app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.subdomain == "demo"))
        site.custom_domain, site.domain_verified_at = "demo.example.org", site.created_at
        db.session.commit()
    response = dev_app.test_client().get("/", base_url="http://demo.example.org:5000")
    assert response.status_code == 200
    assert "Demo Site" in response.get_data(as_text=True)


def test_outside_development_foreign_hosts_stay_404(other_app):
    response = other_app.test_client().get("/", base_url="http://127.0.0.1:5000")
    assert response.status_code == 404
    assert "Location" not in response.headers


# The dev tools do not exist outside development ----------------------------------------------


@pytest.mark.parametrize("path", ["/dev/", "/dev/mail", "/dev/mail/1.eml", "/dev/demo-signin"])
def test_dev_pages_are_404_outside_development(other_app, path):
    client = other_app.test_client()
    answer = (
        client.post(path, base_url=APEX) if "signin" in path else client.get(path, base_url=APEX)
    )
    assert answer.status_code == 404
    assert not [r for r in other_app.url_map.iter_rules() if r.rule.startswith("/dev")]
    assert "devtools" not in other_app.blueprints


def test_seed_makes_no_demo_owner_outside_development(other_app):
    output = seed(other_app)
    assert "demo owner" not in output
    assert "dev" not in other_app.cli.commands
    with other_app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL)) is None
        with pytest.raises(RuntimeError):
            seed_demo_owner()


# The demo owner --------------------------------------------------------------------------------


def test_seed_makes_the_demo_owner_once_and_prints_its_password_once(dev_app):
    first = seed(dev_app)
    password = re.search(rf"{re.escape(DEMO_EMAIL)}, password (\S+)", first).group(1)
    again = seed(dev_app)
    assert "password" not in again and "demo: already there" in again
    with dev_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL))
        assert user.email_confirmed_at is not None and password not in user.password_hash
        roles = db.session.scalars(sa.select(Membership.role).where(Membership.user_id == user.id))
        assert list(roles) == ["owner"]
    client = dev_app.test_client()
    answer = client.post(
        "/signin",
        data={"email": DEMO_EMAIL, "password": password,
              "csrf_token": csrf_token(client, "/signin", APEX)},
        base_url=APEX,
    )  # fmt: skip
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sites")


def test_one_click_sign_in_opens_the_demo_dashboard(dev_app):
    seed(dev_app)
    client = dev_app.test_client()
    page = client.get("/dev/", base_url=APEX).get_data(as_text=True)
    assert "Sign in as the demo owner" in page
    answer = client.post(
        "/dev/demo-signin", data={"csrf_token": csrf_token(client, "/dev/", APEX)}, base_url=APEX
    )
    assert answer.headers["Location"] == "http://demo.localhost:5000/admin/"
    sites = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert "Demo Site" in sites


def test_one_click_sign_in_needs_the_csrf_token(dev_app):
    seed(dev_app)
    answer = dev_app.test_client().post("/dev/demo-signin", base_url=APEX)
    assert answer.status_code == 400
    assert "form has expired" in answer.get_data(as_text=True)


def test_one_click_sign_in_without_a_demo_owner_says_what_to_run(dev_app):
    client = dev_app.test_client()
    page = client.get("/dev/", base_url=APEX).get_data(as_text=True)
    assert "There is no demo owner yet" in page
    answer = client.post(
        "/dev/demo-signin", data={"csrf_token": csrf_token(client, "/signin", APEX)}, base_url=APEX
    )
    assert answer.status_code == 404
    assert "flask seed" in answer.get_data(as_text=True)


# The mailbox -------------------------------------------------------------------------------


def test_mailbox_lists_newest_first_and_links_the_confirmation(dev_app):
    client = dev_app.test_client()
    with dev_app.app_context():
        send_mail("first@example.org", "First", "Hello")
    data = {"email": "new@example.org", "password": "correct horse battery staple"}
    assert submit(client, "/signup", data, base_url=APEX).status_code == 302
    assert jobs.embedded(dev_app).wait_idle(30)  # mail is written by the job thread
    listing = client.get("/dev/mail", base_url=APEX).get_data(as_text=True)
    assert listing.index("new@example.org") < listing.index("first@example.org")
    name = re.search(r'href="/dev/mail/(\d+\.eml)">[^<]*[Cc]onfirm', listing).group(1)
    message = client.get(f"/dev/mail/{name}", base_url=APEX).get_data(as_text=True)
    link = re.search(r'<a href="(http://localhost:5000/confirm/[^"]+)">\1</a>', message)
    assert link, message
    confirmed = client.get(link.group(1), follow_redirects=True).get_data(as_text=True)
    assert "new@example.org is confirmed" in confirmed


def test_mailbox_escapes_what_mail_quotes(dev_app):
    with dev_app.app_context():
        send_mail(
            "x@example.org", "<b>hi</b>",
            "<script>alert(1)</script> javascript:alert(1) https://a.example/\"onmouseover=x",
        )  # fmt: skip
    assert jobs.embedded(dev_app).wait_idle(30)
    client = dev_app.test_client()
    listing = client.get("/dev/mail", base_url=APEX)
    assert "&lt;b&gt;hi&lt;/b&gt;" in listing.get_data(as_text=True)
    name = re.search(r'href="/dev/mail/(\d+\.eml)"', listing.get_data(as_text=True)).group(1)
    message = client.get(f"/dev/mail/{name}", base_url=APEX)
    html = message.get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://a.example/">' in html
    assert 'href="javascript' not in html and "onmouseover=x</a>" not in html
    assert "script-src 'self'" in message.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["../config.py", "..%2Fsitemaker.db", "1.txt", "x.eml", "9.eml"])
def test_mailbox_serves_only_outbox_messages(dev_app, name):
    outbox = Path(dev_app.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "1.txt").write_text("not mail")
    answer = dev_app.test_client().get(f"/dev/mail/{name}", base_url=APEX)
    assert answer.status_code == 404


def test_empty_mailbox_says_so(dev_app):
    page = dev_app.test_client().get("/dev/mail", base_url=APEX).get_data(as_text=True)
    assert "No mail yet" in page


# `flask dev` -------------------------------------------------------------------------------


def test_banner_names_the_addresses_that_work():
    text = banner("localhost:5000")
    assert "http://localhost:5000/" in text
    assert "http://demo.localhost:5000/admin/" in text
    assert "http://localhost:5000/dev/mail" in text
    assert "http://127.0.0.1" not in text


def test_werkzeugs_own_startup_address_is_left_out():
    import logging

    keep = WithoutStartupLines()
    record = logging.LogRecord(
        "werkzeug", 20, "", 0, "%s", (" * Running on http://127.0.0.1:5000",), None
    )
    request = logging.LogRecord("werkzeug", 20, "", 0, '"GET / HTTP/1.1" 200 -', (), None)
    assert not keep.filter(record) and keep.filter(request)
