"""A site's daily sending quota for posts mailed to subscribers, set on its /ops page."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from ..extensions import db
from ..models import NewsletterSettings, Site
from ..services import audit
from . import bp
from .subscribers_cli import set_quota

MOST = 10_000_000


@bp.app_template_global("site_mail_quota")
def site_mail_quota(site_id: int) -> int | None:
    settings = db.session.get(NewsletterSettings, site_id)
    return settings.daily_quota if settings is not None else None


@bp.route("/sites/<int:site_id>/mail-quota", methods=["POST"])
def mail_quota(site_id: int):
    site = db.get_or_404(Site, site_id)
    raw = request.form.get("daily_quota", "").strip()
    if raw and (not raw.isdigit() or int(raw) > MOST):
        flash(f"Daily mail quota: a whole number from 0 to {MOST}, or empty.", "error")
        return redirect(url_for("ops.site_detail", site_id=site.id)), 303
    quota = int(raw) if raw else None
    before = site_mail_quota(site.id)
    set_quota(site, quota)
    audit.record("site.mail_quota", f"site:{site.subdomain}", f"{before} -> {quota}")
    db.session.commit()
    flash("Daily mail quota saved.", "success")
    return redirect(url_for("ops.site_detail", site_id=site.id)), 303
