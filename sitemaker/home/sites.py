""" "My sites" on the apex: the sites someone works on, and creating a new one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Membership, Site
from ..services.sites import create_site
from . import bp
from .forms import NewSiteForm, PostForm


@bp.route("/sites")
@login_required
def sites():
    rows = db.session.execute(
        sa.select(Site, Membership.role)
        .join(Membership, Membership.site_id == Site.id)
        .where(Membership.user_id == current_user.id, Site.status != "deleted")
        .order_by(Site.title, Site.subdomain)
    ).all()
    return render_template("home/sites.html", rows=rows, form=PostForm())


@bp.route("/sites/new", methods=["GET", "POST"])
@login_required
def new_site():
    if not current_user.is_confirmed:
        code = 403 if request.method == "POST" else 200
        return render_template("home/new_site.html", form=PostForm(), unconfirmed=True), code
    form = NewSiteForm()
    if form.validate_on_submit():
        try:
            site = create_site(current_user, form.subdomain.data, form.title.data)
            db.session.commit()
        except IntegrityError:  # someone took the name between the check and the insert
            db.session.rollback()
            form.subdomain.errors.append("That address is taken. Try another.")
            return render_template("home/new_site.html", form=form), 200
        return redirect(url_for("dash.overview", site_subdomain=site.subdomain, _external=True))
    return render_template("home/new_site.html", form=form)
