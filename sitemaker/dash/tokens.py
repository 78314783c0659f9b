"""API tokens: each member makes, lists and revokes their own; owners also see and revoke
every member's. A new token is shown once, on the page that answers the POST (never through
a flash message, which would put it in the session cookie); only its hash is kept."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Role
from ..services import api_tokens
from ..services.permissions import ROLE_PERMISSIONS, Permission, requires
from . import bp


def _page(new_token: str | None = None, error: str | None = None, status: int = 200):
    role = ROLE_PERMISSIONS.get(g.membership.role, Permission(0))
    is_owner = g.membership.role == Role.OWNER
    scopes = [(name, label, needs in role) for name, (label, needs) in api_tokens.SCOPES.items()]
    body = render_template(
        "dash/tokens.html",
        site=g.site,
        tokens=api_tokens.tokens_of(g.site.id, current_user.id),
        all_tokens=api_tokens.site_tokens(g.site.id) if is_owner else None,
        scopes=scopes,
        new_token=new_token,
        error=error,
        form=request.form,
        api_root=url_for("api.openapi", _external=True).rsplit("/", 1)[0],
    )
    # The page may show a secret: no cache may keep it.
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/tokens")
@requires(Permission.WRITE)
def tokens():
    return _page()


@bp.route("/tokens", methods=["POST"])
@requires(Permission.WRITE)
def create_token():
    try:
        _row, token = api_tokens.create_token(
            g.site, current_user, request.form.get("name", ""), request.form.getlist("scope")
        )
    except api_tokens.TokenError as error:
        db.session.rollback()
        return _page(error=str(error), status=400)
    db.session.commit()
    return _page(new_token=token, status=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.WRITE)
def revoke_token(token_id: int):
    if g.membership.role == Role.OWNER:
        row = api_tokens.site_token(g.site.id, token_id)
    else:
        row = api_tokens.token_of(g.site.id, current_user.id, token_id)
    if row is None:
        abort(404)
    api_tokens.revoke(row)
    db.session.commit()
    flash(f"Revoked “{row.name}”. Tools using it are refused from now on.", "success")
    return redirect(url_for("dash.tokens"))
