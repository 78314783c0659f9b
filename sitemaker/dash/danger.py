"""Deleting the whole site: owner only, and only after typing its name."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_login import current_user

from ..extensions import db
from ..services import sites
from ..services.invitations import audit
from ..services.permissions import Permission, requires
from . import bp


@bp.route("/delete", methods=["GET", "POST"])
@requires(Permission.DELETE_SITE)
def delete_site():
    site = g.site
    days = current_app.config["DELETED_SITE_GRACE_DAYS"]
    if request.method == "GET":
        return render_template("dash/delete.html", site=site, days=days)
    typed = request.form.get("confirm", "").strip().lower()
    if typed != site.subdomain:
        message = f"Type {site.subdomain} exactly to confirm. Nothing was deleted."
        return render_template("dash/delete.html", site=site, days=days, error=message), 400
    sites.mark_deleted(site)
    audit(current_user, "site.delete", site, "by the owner")
    db.session.commit()
    return render_template("dash/deleted.html", site=site, days=days)
