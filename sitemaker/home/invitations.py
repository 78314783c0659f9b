"""Apex /invite/<token>: the link an invitation mail carries."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..services import invitations
from . import bp


@bp.route("/invite/<token>")
def invitation(token: str):
    try:
        invite, data = invitations.read_invitation(token)
    except invitations.MemberError as error:
        return _message("This invitation cannot be used", error.message, error.status)
    if not current_user.is_authenticated:
        # The accounts pages send the person back here once they have an account and session.
        query = urlencode({"email": invite.email, "next": f"/invite/{token}"})
        return redirect(f"/signup?{query}")
    try:
        invitations.accept(invite, data, current_user)
    except invitations.MemberError as error:
        db.session.rollback()
        return _message("This invitation is for someone else", error.message, error.status)
    subdomain = invite.site.subdomain
    db.session.commit()
    return redirect(url_for("dash.overview", site_subdomain=subdomain, _external=True))


def _message(title: str, message: str, status: int):
    return render_template("home/error.html", code=status, title=title, message=message), status
