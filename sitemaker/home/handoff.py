"""The apex half of signing in on a tenant host (DESIGN.md, "Sign-in across subdomains").

A tenant host without a session sends the browser here with a random `state` it has put in
its own session. Once signed in on the apex (both factors) and a member of the site, the
browser goes back with a one-minute, single-use token bound to that state, which the tenant
host exchanges for its own host-only session (dash.session; why this resists login CSRF is
written there)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from ..errors import render_error
from ..services import accounts
from ..services.permissions import membership_for
from ..services.redirects import safe_next
from ..services.tenancy import find_site
from . import bp

MAX_STATE = 100


@bp.route("/handoff")
def handoff():
    subdomain = request.args.get("site", "")
    site = find_site(subdomain)
    if site is None or not site.is_active:
        abort(404)
    next_path = safe_next(request.args.get("next"), prefix="/admin/") or "/admin/"
    state = request.args.get("state", "")[:MAX_STATE]
    if not current_user.is_authenticated:
        here = url_for("home.handoff", site=site.subdomain, next=next_path, state=state or None)
        return redirect(url_for("home.signin", next=here))
    if membership_for(current_user.id, site.id) is None:
        return render_error(
            403,
            f"You are signed in as {current_user.email}, which is not a member of "
            f"{site.subdomain}. Ask an owner of the site for an invitation.",
        )
    if not state:
        # Only the tenant host starts a handoff (it sets the state): go there first.
        return redirect(url_for("dash.overview", site_subdomain=site.subdomain, _external=True))
    token = accounts.issue_handoff(current_user, site, state)
    return redirect(
        url_for(
            "dash.session",
            site_subdomain=site.subdomain,
            token=token,
            next=next_path,
            _external=True,
        )
    )
