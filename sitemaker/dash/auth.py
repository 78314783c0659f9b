"""The door into the dashboard: who may pass, and the tenant half of the sign-in handoff.

Sessions are host-only, so a tenant host knows nobody until the apex hands someone over
(home.handoff) with a single-use token, exchanged here for this host's own session.

Why the exchange resists login CSRF (someone signing your browser in as *them*): before
sending the browser to the apex, this host puts a random `state` in its own session cookie
(host-only, HttpOnly, signed for this host) and names it in the handoff URL; the apex binds
the token to it, and the exchange accepts a token only when its state is the one in this
browser's session. An attacker can mint tokens for their own account, but only bound to
states of their own browser, which no other browser's session holds.

The exchange itself is a POST with this host's CSRF token: the apex redirects to
GET /admin/session?token=..., which only shows a tiny same-origin page whose form
static/dash/handoff.js submits (the CSP allows no inline script; without script, a button).
A GET never spends the token, so link scanners and prefetchers cannot use it up. The form is
same-origin because a cross-site POST from the apex would not carry this host's SameSite=Lax
cookie wherever the apex and the tenant are different sites (*.localhost in development)."""

from __future__ import annotations

import secrets

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import render_error, wants_json
from ..extensions import db
from ..services import accounts
from ..services.permissions import membership_for
from ..services.redirects import safe_next
from ..services.tokens import BadToken
from . import bp

# Endpoints that work without a member's session: they are how one gets (or ends) one.
OPEN_ENDPOINTS = frozenset({"dash.session", "dash.signout"})
HANDOFF_STATE = "handoff_state"


@bp.before_request
def require_member():
    """Anonymous: off to the apex to sign in. Signed in but not a member: 403."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if wants_json():
            return render_error(401)
        next_path = safe_next(request.full_path.rstrip("?"), prefix="/admin/") or "/admin/"
        state = secrets.token_urlsafe(16)
        session[HANDOFF_STATE] = state
        return redirect(
            url_for(
                "home.handoff", site=g.site.subdomain, next=next_path, state=state, _external=True
            )
        )
    membership = membership_for(current_user.id, g.site.id)
    if membership is None:
        abort(403)
    g.membership = membership
    return None


@bp.route("/session", methods=["GET", "POST"], endpoint="session")
def session_exchange():
    """Exchange a handoff token from the apex for a session on this host (POST; a GET only
    shows the form that posts it)."""
    if request.method == "GET":
        body = render_template(
            "dash/handoff.html",
            site=g.site,
            token=request.args.get("token", "")[:2000],
            next_path=safe_next(request.args.get("next"), prefix="/admin/") or "/admin/",
        )
        # The page holds a live token: no cache may keep it.
        return body, 200, {"Cache-Control": "no-store"}
    state = session.pop(HANDOFF_STATE, None)
    try:
        user = accounts.redeem_handoff(request.form.get("token", ""), g.site, state)
    except BadToken as error:
        db.session.rollback()
        return render_error(400, f"{error} Open the dashboard again to get a fresh sign-in link.")
    db.session.commit()
    logout_user()
    login_user(user)
    return redirect(safe_next(request.form.get("next"), prefix="/admin/") or url_for(".overview"))


@bp.route("/signout", methods=["POST"])
def signout():
    """Sign out everywhere, from a tenant host."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    return redirect(url_for("home.index", _external=True))
