"""Whole-site export and import, run as jobs: starting one, its status page (a progress bar
the dashboard's own script refreshes from the JSON status), and the finished export's download."""

from __future__ import annotations

import zipfile

from flask import abort, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Transfer
from ..services import importers, transfer_jobs
from ..services.permissions import Permission, requires
from ..services.transfer_import import ImportRefused
from . import bp


@bp.route("/export", methods=["GET", "POST"])
@requires(Permission.SETTINGS)
def export():
    if request.method == "GET":
        return render_template(
            "dash/export.html", site=g.site, transfers=transfer_jobs.recent(g.site)
        )
    transfer = transfer_jobs.start_export(g.site, current_user)
    db.session.commit()
    return redirect(url_for("dash.transfer_status", transfer_id=transfer.id))


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
    data = upload.stream.read()
    if not data:
        return _refused("Choose a zip file to import; this one is empty.")
    # The cheap checks now, so an obviously wrong file is answered at once; the job reads the rest.
    try:
        kind = importers.detect(data)
    except ImportRefused as error:
        return _refused(error.message, 415)
    if kind == "zip" and not zipfile.is_zipfile(upload.stream):
        return _refused("That file is not a zip file.")
    transfer = transfer_jobs.start_import(
        g.site, current_user, data, on_conflict, request.form.get("replace_settings") == "1"
    )
    db.session.commit()
    return redirect(url_for("dash.transfer_status", transfer_id=transfer.id))


def _refused(message: str, status: int = 400):
    return render_template("dash/import.html", site=g.site, error=message), status


def _transfer(transfer_id: int) -> Transfer:
    return db.first_or_404(
        db.select(Transfer).where(Transfer.id == transfer_id, Transfer.site_id == g.site.id)
    )


@bp.route("/transfers/<int:transfer_id>")
@requires(Permission.SETTINGS)
def transfer_status(transfer_id: int):
    return render_template("dash/transfer.html", site=g.site, transfer=_transfer(transfer_id))


@bp.route("/transfers/<int:transfer_id>.json")
@requires(Permission.SETTINGS)
def transfer_status_json(transfer_id: int):
    transfer = _transfer(transfer_id)
    download = None
    if transfer.kind == "export" and transfer.status == "done":
        download = url_for("dash.transfer_download", transfer_id=transfer.id)
    response = jsonify(
        id=transfer.id,
        kind=transfer.kind,
        status=transfer.status,
        done=transfer.done,
        total=transfer.total,
        percent=transfer.percent,
        message=transfer.message,
        download=download,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/transfers/<int:transfer_id>/download")
@requires(Permission.SETTINGS)
def transfer_download(transfer_id: int):
    transfer = _transfer(transfer_id)
    if transfer.kind != "export" or transfer.status != "done" or not transfer.file_name:
        abort(404)
    path = transfer_jobs.path_of(transfer, transfer.file_name)
    if not path.is_file():
        abort(404)  # removed from the disk since
    response = send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=transfer.file_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
