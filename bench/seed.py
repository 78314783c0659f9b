"""The databases a run reads: migrated and seeded with `flask seed`, reused when present."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import make_url

from .settings import PAGES_PER_SITE, ROOT, SERVER_NAME, SITE_PREFIX, USER_AGENT

SECRET_KEY = "bench-only-secret-key-not-for-production"
OWNER_EMAIL = "owner@bench.test"


def app_env(database_url: str, redis_url: str = "") -> dict[str, str]:
    """The environment of every app process a run starts: the production configuration."""
    env = dict(os.environ)
    env.update(
        FLASK_APP="sitemaker",
        SITEMAKER_CONFIG="production",
        SITEMAKER_DATABASE_URL=database_url,
        SITEMAKER_SECRET_KEY=SECRET_KEY,
        SITEMAKER_SERVER_NAME=SERVER_NAME,
    )
    if redis_url:
        env["SITEMAKER_REDIS_URL"] = redis_url
    return env


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist yet (connecting to the server's `postgres`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"bench: BENCH_DATABASE_URL must be PostgreSQL, not {parsed.drivername}")
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not found.fetchone():
                print(f"bench: creating database {name}", flush=True)
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as err:
        reason = str(err).strip().splitlines()[0]
        raise SystemExit(f"bench: cannot prepare database {name} ({reason})") from None


def flask(args: list[str], env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "flask", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: `flask {' '.join(args)}` failed:\n{done.stderr.strip()[-3000:]}")


def seed(database_url: str, size: int) -> None:
    """Migrate, then `flask seed` (idempotent: existing sites are left alone)."""
    ensure_database(database_url)
    env = app_env(database_url)
    print(f"bench: migrating and seeding {size} sites x {PAGES_PER_SITE} pages", flush=True)
    flask(["db", "upgrade"], env)
    flask(
        ["seed", "--sites", str(size), "--pages", str(PAGES_PER_SITE), "--prefix", SITE_PREFIX,
         "--no-demo"],
        env,
    )  # fmt: skip


def build_assets(env: dict[str, str]) -> None:
    """Production serves only prebuilt bundles, so build them as a deployment would."""
    flask(["assets", "build"], env)


def tenant_host(number: int, size: int) -> str:
    width = max(5, len(str(size)))
    return f"{SITE_PREFIX}{number:0{width}d}.{SERVER_NAME}"


def owner_session_cookie(database_url: str, size: int) -> tuple[str, str]:
    """Make (once) an owner of the first seeded site and sign a session cookie for them with
    the app's own session serializer, as a sign-in on that host would. Returns (name, value)."""
    from flask import session
    from flask_login import login_user

    from sitemaker import create_app
    from sitemaker.extensions import bcrypt, db
    from sitemaker.models import Membership, Site, User
    from sitemaker.models.common import utcnow

    app = create_app(
        "production",
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "SERVER_NAME": SERVER_NAME},
    )
    host = tenant_host(1, size)
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.subdomain == host.split(".")[0]))
        if site is None:
            raise SystemExit(f"bench: {host} is not seeded")
        user = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
        if user is None:
            user = User(
                email=OWNER_EMAIL,
                password_hash=bcrypt.generate_password_hash("bench-password").decode(),
                email_confirmed_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
        member = db.session.scalar(
            sa.select(Membership).where(Membership.site == site, Membership.user == user)
        )
        if member is None:
            db.session.add(Membership(site=site, user=user, role="owner"))
        db.session.commit()
        environ = {"REMOTE_ADDR": "127.0.0.1"}
        with app.test_request_context(
            "/admin/", base_url=f"http://{host}", environ_base=environ,
            headers={"User-Agent": USER_AGENT},
        ):  # fmt: skip
            login_user(user)
            data = dict(session)
        serializer = app.session_interface.get_signing_serializer(app)
        db.session.remove()
        db.engine.dispose()
    return app.config["SESSION_COOKIE_NAME"], serializer.dumps(data)
