"""Media library: upload (from the form or the editor's drag and drop) and delete."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..errors import wants_json
from ..extensions import db
from ..models import Media
from ..services import image_budget, quotas
from ..services import media as media_service
from ..services.permissions import Permission, can, requires
from . import bp


def _item(row: Media) -> dict:
    url = f"/media/{row.web_name or row.stored_name}"
    alt = row.original_name.rsplit(".", 1)[0].replace("[", "").replace("]", "")
    is_image = row.content_type.startswith("image/")
    markdown = (
        f"![{alt}]({url})" if is_image else f"[{row.original_name}](/media/{row.stored_name})"
    )
    return {
        "id": row.id,
        "url": f"/media/{row.stored_name}",
        "web_url": url,
        "markdown": markdown,
        "name": row.original_name,
        "size": row.size,
        "content_type": row.content_type,
    }


@bp.route("/media", methods=["GET", "POST"])
@requires(Permission.UPLOAD)
def media():
    if request.method == "POST":
        return _upload()
    return _render_list()


def _render_list(error: str | None = None, status: int = 200):
    site = g.site
    rows = db.session.scalars(
        db.select(Media)
        .where(Media.site_id == site.id)
        .order_by(Media.created_at.desc(), Media.id.desc())
    ).all()
    return render_template(
        "dash/media.html",
        site=site,
        items=[(row, _item(row)) for row in rows],
        used=quotas.bytes_used(site.id),
        limit=quotas.max_bytes(site),
        per_file=media_service.human_size(current_app.config["MEDIA_MAX_FILE_BYTES"]),
        human_size=media_service.human_size,
        can_delete_any=can(Permission.EDIT_ANY),
        error=error,
    ), status


def _upload():
    """All or nothing: if one file of a batch is refused, none is kept, and the answer says which."""
    uploads = [f for f in request.files.getlist("file") if f and (f.filename or f.content_length)]
    if not uploads:
        return _fail("Choose a file to upload (field 'file').", 400)
    limit = current_app.config["MEDIA_MAX_FILE_BYTES"]
    try:
        with image_budget.within_budget(uploads, f"user:{current_user.id}"):
            prepared = [
                media_service.prepare(f.filename, f.stream.read(limit + 1)) for f in uploads
            ]
        rows, written = media_service.store_all(g.site, prepared, current_user)
    except media_service.UploadError as error:
        db.session.rollback()
        return _fail(error.message, error.status)
    try:
        db.session.commit()
    except IntegrityError:
        # The same bytes were uploaded by a concurrent request a moment ago.
        db.session.rollback()
        media_service.forget_files(g.site.id, written)
        return _fail("That file was uploaded at the same moment elsewhere; reload to see it.", 409)
    except Exception:
        db.session.rollback()
        media_service.forget_files(g.site.id, written)
        raise
    items = [_item(row) for row in rows]
    if wants_json():
        return jsonify(files=items), 201
    for item in items:
        flash(f"Uploaded {item['name']}.", "success")
    return redirect(url_for("dash.media"))


def _fail(message: str, status: int):
    if wants_json():
        return jsonify(error="upload_refused", message=message), status
    # A refused upload is a 4xx with the reason on the page, not a redirect that hides it.
    return _render_list(message, status)


@bp.route("/media/<int:media_id>/delete", methods=["POST"])
@requires(Permission.UPLOAD)
def delete_media(media_id: int):
    row = db.first_or_404(db.select(Media).where(Media.id == media_id, Media.site_id == g.site.id))
    if row.uploaded_by_id != current_user.id and not can(Permission.EDIT_ANY):
        return _fail("Only editors can delete files someone else uploaded.", 403)
    names = media_service.files_of(row)
    original = row.original_name
    media_service.delete_media(row)
    if g.site.favicon in names:
        # The site must not point visitors at a file that is gone.
        g.site.favicon = None
        g.site.bump_content_version()
    db.session.commit()
    media_service.forget_files(g.site.id, names)
    if wants_json():
        return jsonify(deleted=original)
    flash(f"Deleted {original}. Pages that link to it will show a broken link.", "success")
    return redirect(url_for("dash.media"))
