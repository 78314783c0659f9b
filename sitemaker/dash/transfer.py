"""Whole-site export and import."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models.common import utcnow
from ..services import media as media_service
from ..services import transfer
from ..services.permissions import Permission, requires
from ..services.transfer_apply import import_site as import_zip
from ..services.transfer_import import ImportRefused
from . import bp


@bp.route("/export")
@requires(Permission.SETTINGS)
def export():
    if "download" not in request.args:
        return render_template("dash/export.html", site=g.site)
    data = transfer.export_site(g.site)
    name = f"{g.site.subdomain}-{utcnow():%Y%m%d-%H%M}.zip"
    return Response(
        data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/import", methods=["GET", "POST"])
@requires(Permission.SETTINGS)
def import_site():
    if request.method == "GET":
        return render_template("dash/import.html", site=g.site)
    upload = request.files.get("file")
    on_conflict = request.form.get("on_conflict", "rename")
    if on_conflict not in ("rename", "skip"):
        return _refused("Choose what to do with pages whose address exists: rename or skip.")
    if upload is None or not upload.filename:
        return _refused("Choose a zip file to import (field 'file').")
    try:
        report, written = import_zip(
            g.site,
            upload.stream.read(),
            current_user,
            on_conflict=on_conflict,
            replace_settings=request.form.get("replace_settings") == "1",
        )
    except ImportRefused as error:
        db.session.rollback()
        return _refused(error.message, error.status)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        media_service.forget_files(g.site.id, written)
        raise
    for line in report.summary():
        flash(line, "success")
    return redirect(url_for("dash.import_site"))


def _refused(message: str, status: int = 400):
    return render_template("dash/import.html", site=g.site, error=message), status
