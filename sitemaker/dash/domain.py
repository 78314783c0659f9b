"""/admin/domain: attach a custom domain, show the DNS records to create, verify, detach."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ..extensions import db, limiter
from ..services import domains
from ..services.permissions import Permission, requires
from ..services.tenancy import tenant_host
from . import bp


class DomainForm(FlaskForm):
    domain = StringField("Domain", validators=[Length(max=300)])


def dns_records(site) -> list[tuple[str, str, str]]:
    """(name, type, value) rows the tenant creates at their DNS provider."""
    if not site.custom_domain:
        return []
    domain = site.custom_domain
    rows = [(domains.txt_name(domain), "TXT", site.domain_token or "")]
    www = domain if domain.startswith("www.") else domains.alternate(domain)
    apex = domains.alternate(www)
    rows.append((www, "CNAME", tenant_host(site) + "."))
    address = current_app.config.get("PLATFORM_IPV4")
    rows.append((apex, "A", address or "the platform's address (ask the operators)"))
    return rows


@bp.route("/domain", methods=["GET", "POST"])
@requires(Permission.SETTINGS)
@limiter.limit("20 per minute", methods=["POST"])  # each Verify is a DNS lookup
def domain():
    site = g.site
    form = DomainForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action", "attach")
        try:
            if action == "attach":
                name = domains.attach(site, form.domain.data or "")
                db.session.commit()
                flash(f"{name} attached. Create the DNS records below, then verify.", "info")
            elif action == "verify":
                domains.verify(site)
                db.session.commit()
                flash(f"{site.custom_domain} is verified and now serves your site.", "success")
            elif action == "detach":
                domains.detach(site)
                db.session.commit()
                flash("The custom domain was removed.", "info")
            else:
                form.domain.errors.append("Unknown action.")
                status = 400
        except domains.DomainError as error:
            db.session.rollback()
            form.domain.errors.append(str(error))
            status = 400
        if status == 200:
            return redirect(url_for("dash.domain"))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        form.domain.data = site.custom_domain or ""
    return render_template(
        "dash/domain.html", site=site, form=form, records=dns_records(site)
    ), status
