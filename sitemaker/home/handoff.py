"""The apex half of signing in on a tenant host (DESIGN.md, "Sign-in across subdomains").

A tenant host without a session sends the browser here. Once signed in on the apex and a
member of the site, the browser goes back with a one-minute, single-use token that the tenant
host exchanges for its own host-only session (dash.session)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from ..errors import render_error
from ..services import accounts
from ..services.permissions import membership_for
from ..services.redirects import safe_next
from ..services.tenancy import find_site
from . import bp


@bp.route("/handoff")
def handoff():
    subdomain = request.args.get("site", "")
    site = find_site(subdomain)
    if site is None or not site.is_active:
        abort(404)
    next_path = safe_next(request.args.get("next"), prefix="/admin/") or "/admin/"
    if not current_user.is_authenticated:
        here = url_for("home.handoff", site=site.subdomain, next=next_path)
        return redirect(url_for("home.signin", next=here))
    if membership_for(current_user.id, site.id) is None:
        return render_error(
            403,
            f"You are signed in as {current_user.email}, which is not a member of "
            f"{site.subdomain}. Ask an owner of the site for an invitation.",
        )
    token = accounts.issue_handoff(current_user, site)
    return redirect(
        url_for(
            "dash.session",
            site_subdomain=site.subdomain,
            token=token,
            next=next_path,
            _external=True,
        )
    )
