"""The operator console. Every change goes through services and is written to the audit log in
the same transaction."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from ..extensions import db
from ..models import AuditLog, Media, Membership, Site, User
from ..services import audit, quotas, sites
from . import bp
from .forms import ConfirmForm, QuotaForm, SuspendForm

MB = 1024 * 1024
STATUSES = ("active", "suspended", "deleted")


def storage_by_site(site_ids: list[int]) -> dict[int, int]:
    if not site_ids:
        return {}
    rows = db.session.execute(
        sa.select(Media.site_id, sa.func.sum(Media.size))
        .where(Media.site_id.in_(site_ids))
        .group_by(Media.site_id)
    )
    return {site_id: int(total or 0) for site_id, total in rows}


def search_sites(q: str, status: str | None) -> sa.Select:
    query = sa.select(Site).order_by(Site.created_at.desc(), Site.id.desc())
    if q:
        needle = q.lower()
        query = query.where(
            sa.or_(
                Site.subdomain.contains(needle, autoescape=True),
                sa.func.lower(Site.title).contains(needle, autoescape=True),
                Site.custom_domain.contains(needle, autoescape=True),
            )
        )
    if status in STATUSES:
        query = query.where(Site.status == status)
    return query


def search_users(q: str) -> sa.Select:
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        query = query.where(User.email.contains(q.lower(), autoescape=True))
    return query


@bp.route("/")
def index():
    q = request.args.get("q", "").strip()[:200]
    counts = dict(
        db.session.execute(sa.select(Site.status, sa.func.count()).group_by(Site.status)).all()
    )
    found_sites = db.session.scalars(search_sites(q, None).limit(20)).all() if q else []
    found_users = db.session.scalars(search_users(q).limit(20)).all() if q else []
    signups = db.session.scalars(search_users("").limit(10)).all()
    return render_template(
        "ops/index.html",
        q=q,
        counts=counts,
        users=db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        found_sites=found_sites,
        found_users=found_users,
        signups=signups,
        storage=storage_by_site([s.id for s in found_sites]),
        recent=db.session.scalars(audit.recent(10)).all(),
    )


@bp.route("/sites")
def site_list():
    q = request.args.get("q", "").strip()[:200]
    status = request.args.get("status")
    page = db.paginate(search_sites(q, status), per_page=50, error_out=False)
    return render_template(
        "ops/sites.html",
        q=q,
        status=status if status in STATUSES else None,
        statuses=STATUSES,
        page=page,
        storage=storage_by_site([s.id for s in page.items]),
    )


@bp.route("/users")
def user_list():
    q = request.args.get("q", "").strip()[:200]
    page = db.paginate(search_users(q), per_page=50, error_out=False)
    return render_template("ops/users.html", q=q, page=page)


@bp.route("/sites/<int:site_id>")
def site_detail(site_id: int):
    site = db.get_or_404(Site, site_id)
    members = db.session.execute(
        sa.select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.site_id == site.id)
        .order_by(User.email)
    ).all()
    quota_form = QuotaForm(
        max_pages=site.max_pages,
        max_megabytes=None if site.max_bytes is None else site.max_bytes // MB,
    )
    return render_template(
        "ops/site.html",
        site=site,
        members=members,
        bytes_used=quotas.bytes_used(site.id),
        pages_used=quotas.pages_used(site.id),
        max_bytes=quotas.max_bytes(site),
        max_pages=quotas.max_pages(site),
        suspend_form=SuspendForm(),
        confirm_form=ConfirmForm(),
        quota_form=quota_form,
        history=db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.target == f"site:{site.subdomain}")
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
            .limit(20)
        ).all(),
    )


@bp.route("/sites/<int:site_id>/suspend", methods=["POST"])
def suspend(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("ops.site_detail", site_id=site.id)), 303
    if site.status == "deleted":
        flash("A deleted site cannot be suspended.", "error")
        return redirect(url_for("ops.site_detail", site_id=site.id)), 303
    sites.suspend(site, form.reason.data)
    audit.record("site.suspend", f"site:{site.subdomain}", form.reason.data)
    db.session.commit()
    flash(f"{site.subdomain} is suspended.", "success")
    return redirect(url_for("ops.site_detail", site_id=site.id)), 303


@bp.route("/sites/<int:site_id>/unsuspend", methods=["POST"])
def unsuspend(site_id: int):
    site = db.get_or_404(Site, site_id)
    if ConfirmForm().validate_on_submit() and site.status == "suspended":
        sites.unsuspend(site)
        audit.record("site.unsuspend", f"site:{site.subdomain}")
        db.session.commit()
        flash(f"{site.subdomain} is active again.", "success")
    else:
        flash("Only a suspended site can be unsuspended.", "error")
    return redirect(url_for("ops.site_detail", site_id=site.id)), 303


@bp.route("/sites/<int:site_id>/quota", methods=["POST"])
def quota(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = QuotaForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}", "error")
        return redirect(url_for("ops.site_detail", site_id=site.id)), 303
    new_bytes = None if form.max_megabytes.data is None else form.max_megabytes.data * MB
    before = f"pages={site.max_pages} bytes={site.max_bytes}"
    site.max_pages = form.max_pages.data
    site.max_bytes = new_bytes
    audit.record(
        "site.quota",
        f"site:{site.subdomain}",
        f"{before} -> pages={site.max_pages} bytes={site.max_bytes}",
    )
    db.session.commit()
    flash("Quotas saved.", "success")
    return redirect(url_for("ops.site_detail", site_id=site.id)), 303


@bp.route("/audit")
def audit_log():
    query = sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    page = db.paginate(query, per_page=100, error_out=False)
    return render_template("ops/audit.html", page=page)
