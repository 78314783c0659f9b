"""Fixtures: an app per test on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set;
host-aware clients; factories that read like the product (make_user, make_site, make_page)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from sitemaker import create_app
from sitemaker.extensions import bcrypt, db
from sitemaker.models import Membership, Page, Site, User
from sitemaker.models.common import utcnow
from sitemaker.services.pages import create_page
from tests.components import missing

SERVER_NAME = "example.test"
PASSWORD = "correct horse battery staple"


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.components import stop_playwright

    stop_playwright()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Group tests by database so each schema is built once.
    items.sort(key=lambda item: "postgresql" in item.nodeid)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            missing("TEST_DATABASE_URL is not set; PostgreSQL runs are skipped")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


def clear_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def make_app(database_url: str, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; several apps in one test share it, like processes."""
    built: list[Flask] = []

    def factory(**overrides) -> Flask:
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        config.update(overrides)
        app = create_app("testing", config)
        built.append(app)
        return app

    yield factory
    if built:
        with built[0].app_context():
            db.session.remove()
            clear_tables()
    for app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(email: str | None = None, password: str = PASSWORD, **fields) -> User:
        if fields.get("is_operator") and "totp_secret" not in fields:
            # The console needs two-factor sign-in; an operator made here has it on.
            fields.update(totp_secret=pyotp.random_base32(), totp_enabled_at=utcnow())
        with app.app_context():
            user = User(
                email=(email or f"user{next(counter)}@example.org").lower(),
                password_hash=bcrypt.generate_password_hash(password).decode(),
                email_confirmed_at=fields.pop("email_confirmed_at", utcnow()),
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            return _detach(user)

    return factory


@pytest.fixture
def make_site(app: Flask) -> Callable[..., Site]:
    def factory(subdomain: str = "acme", owner: User | None = None, **fields) -> Site:
        with app.app_context():
            site = Site(subdomain=subdomain, title=fields.pop("title", subdomain.title()), **fields)
            db.session.add(site)
            db.session.flush()
            if owner is not None:
                db.session.add(Membership(site_id=site.id, user_id=owner.id, role="owner"))
            db.session.commit()
            return _detach(site)

    return factory


@pytest.fixture
def make_page(app: Flask) -> Callable[..., Page]:
    def factory(site: Site, title: str = "Hello", body: str = "Hello *world*", **fields) -> Page:
        with app.app_context():
            page = create_page(db.session.get(Site, site.id), title, body, **fields)
            db.session.commit()
            return _detach(page)

    return factory


@pytest.fixture
def owner(make_user) -> User:
    """The owner of `site`."""
    return make_user("owner@example.org")


@pytest.fixture
def site(make_site, owner: User) -> Site:
    """acme, the tenant most dash and API tests work on."""
    return make_site("acme", owner=owner)


@pytest.fixture
def signed_in(client: FlaskClient, owner: User, site: Site, login) -> FlaskClient:
    """`client`, signed in as the owner on acme's host."""
    login(client, owner, "acme")
    return client


def host_url(subdomain: str | None = None) -> str:
    return f"http://{subdomain}.{SERVER_NAME}" if subdomain else f"http://{SERVER_NAME}"


@pytest.fixture
def login() -> Callable[..., None]:
    """Sign `user` in on one host of `client` (the apex when subdomain is None), the way a
    finished sign-in or handoff leaves the session. Cookies are host-only, so each host needs
    its own sign-in."""

    def do(client: FlaskClient, user: User, subdomain: str | None = None) -> None:
        with client.session_transaction(base_url=host_url(subdomain)) as session:
            session["_user_id"] = user.get_id()
            session["_signed_in_here"] = True
            session["_fresh"] = True

    return do
