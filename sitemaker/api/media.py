"""Uploads over the API: the dashboard's checks and quotas (services.media), all or nothing."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from ..extensions import db
from ..services import image_budget
from ..services import media as media_service
from . import bp
from .auth import requires
from .errors import ApiError, bad_field
from .serialize import media


@bp.route("/media", methods=["POST"])
@requires("media:write")
def upload():
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "Send files as multipart/form-data in the field 'file'.")
    uploads = [f for f in request.files.getlist("file") if f and (f.filename or f.content_length)]
    if not uploads:
        raise bad_field("file", "Send at least one file in the field 'file'.")
    limit = current_app.config["MEDIA_MAX_FILE_BYTES"]
    try:
        with image_budget.within_budget(uploads, f"user:{g.api_user.id}"):
            prepared = [
                media_service.prepare(f.filename, f.stream.read(limit + 1)) for f in uploads
            ]
        rows, written = media_service.store_all(g.site, prepared, g.api_user)
    except media_service.UploadError as error:
        raise ApiError(error.status, error.message, error="upload_refused", field="file") from None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        media_service.forget_files(g.site.id, written)
        raise
    return jsonify(files=[media(row) for row in rows]), 201
