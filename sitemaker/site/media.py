"""Uploaded files on the tenant host: /media/<name>. Names are content hashes, so a response
never changes and visitors may cache it for a year."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, g, request

from ..extensions import db
from ..models import Media
from ..services import storage
from ..services.media import CONTENT_TYPES, clean_name
from . import bp

IMMUTABLE = "public, max-age=31536000, immutable"


@bp.route("/media/<name>")
def media(name: str):
    site = g.site
    row = db.session.scalar(
        sa.select(Media).where(
            Media.site_id == site.id, sa.or_(Media.stored_name == name, Media.web_name == name)
        )
    )
    if row is None:
        abort(404)
    ext = name.rsplit(".", 1)[-1]
    etag = name.rsplit(".", 1)[0]
    headers = {
        "Cache-Control": IMMUTABLE,
        "X-Content-Type-Options": "nosniff",
        # Even if a file were ever read as a document, it could run nothing on this host.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        "ETag": f'"{etag}"',
    }
    if ext == "pdf":
        headers["Content-Disposition"] = _disposition(row.original_name)
        headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'"
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    content_type = CONTENT_TYPES.get(ext, row.content_type)
    accel = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if accel:
        # Behind nginx: the app decides (tenant, name), nginx sends the bytes from MEDIA_ROOT,
        # keeping this response's headers; no worker is tied up streaming a large file.
        headers["X-Accel-Redirect"] = f"{accel}{site.id}/{name}"
        return Response(b"", content_type=content_type, headers=headers)
    data = storage.read(site.id, name)
    if data is None:
        abort(404)
    return Response(data, content_type=content_type, headers=headers)


def _disposition(original: str) -> str:
    """Inline (so PDFs open in the browser's viewer) with a name that cannot break the header."""
    safe = "".join(ch for ch in clean_name(original) if ch.isascii() and ch not in '"\\;')
    if not safe.lower().endswith(".pdf"):
        safe = (safe or "document") + ".pdf"
    return f'inline; filename="{safe}"'
