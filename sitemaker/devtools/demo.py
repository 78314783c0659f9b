"""The demo owner: an account that owns the seeded `demo` site, so a newcomer sees the
dashboard without signing up first. `flask seed` makes it in development only; the
one-click sign-in lives under /dev, which exists in development only."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, url_for
from flask_login import login_user, logout_user

from ..extensions import db
from ..models import Membership, Site
from ..models.common import utcnow
from ..services import accounts
from . import bp

DEMO_EMAIL = "demo@example.com"
DEMO_SUBDOMAIN = "demo"


def seed_demo_owner() -> str | None:
    """Make demo@example.com, confirmed, the owner of the demo site. Returns the new account's
    password (to be printed once: only its hash is kept), or None when it already existed.
    The caller commits."""
    if current_app.config.get("ENV_NAME") != "development":
        raise RuntimeError("the demo owner exists in development only")
    site = db.session.scalar(sa.select(Site).where(Site.subdomain == DEMO_SUBDOMAIN))
    if site is None:
        return None
    user = accounts.find_user(DEMO_EMAIL)
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = accounts.create_user(DEMO_EMAIL, password)
        user.email_confirmed_at = utcnow()
    member = db.session.scalar(
        sa.select(Membership).where(Membership.site_id == site.id, Membership.user_id == user.id)
    )
    if member is None:
        db.session.add(Membership(site_id=site.id, user_id=user.id, role="owner"))
    db.session.flush()
    return password


@bp.route("/")
def index():
    return render_template(
        "devtools/index.html", demo_email=DEMO_EMAIL, has_demo=accounts.find_user(DEMO_EMAIL)
    )


@bp.route("/demo-signin", methods=["POST"])
def demo_signin():
    """Sign in as the demo owner (CSRF-checked like every form) and open the demo dashboard."""
    user = accounts.find_user(DEMO_EMAIL)
    if user is None:
        abort(404, f"There is no {DEMO_EMAIL} account yet. Run `flask seed` (make run does).")
    accounts.record_signin(user)
    db.session.commit()
    logout_user()
    login_user(user)
    return redirect(url_for("dash.overview", site_subdomain=DEMO_SUBDOMAIN, _external=True))
