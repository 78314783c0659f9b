"""The trash: restorable for TRASH_DAYS days; only emptying it removes pages for good."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from ..extensions import db
from ..services import trash as bin_
from ..services.permissions import Permission, can, requires
from . import bp
from .access import can_edit, editable_page
from .forms import ConfirmForm


@bp.route("/trash")
@requires(Permission.WRITE)
def trash():
    if bin_.purge_expired(g.site.id):
        db.session.commit()
    return render_template(
        "dash/trash.html",
        site=g.site,
        items=bin_.trashed(g.site.id),
        expires_at=bin_.expires_at,
        days=bin_.trash_days(),
        can_edit=can_edit,
        action_form=ConfirmForm(),
    )


@bp.route("/trash/<int:page_id>/restore", methods=["POST"])
@requires(Permission.WRITE)
def restore_page(page_id: int):
    page = editable_page(page_id, trashed=True)
    if page.status == "published" and not can(Permission.PUBLISH):
        abort(403)
    if ConfirmForm().validate_on_submit():
        bin_.untrash(g.site, page)
        db.session.commit()
        flash(f"“{page.title}” is restored.", "success")
        return redirect(url_for("dash.edit_page", page_id=page.id))
    return redirect(url_for("dash.trash"))


@bp.route("/trash/<int:page_id>/delete", methods=["POST"])
@requires(Permission.PUBLISH)
def delete_page(page_id: int):
    page = editable_page(page_id, trashed=True)
    if ConfirmForm().validate_on_submit():
        bin_.empty(g.site.id, page.id)
        db.session.commit()
        flash(f"“{page.title}” is deleted for good.", "success")
    return redirect(url_for("dash.trash"))


@bp.route("/trash/empty", methods=["POST"])
@requires(Permission.PUBLISH)
def empty_trash():
    if ConfirmForm().validate_on_submit():
        count = bin_.empty(g.site.id)
        db.session.commit()
        flash(f"Deleted {count} item{'s' if count != 1 else ''} for good.", "success")
    return redirect(url_for("dash.trash"))
