"""Copies derived from an uploaded image, made by a job once the upload has committed: today
the web-sized copy of a large image. The upload request only cleans and stores the original,
which the editor and visitors can use at once; the job adds the smaller copy a moment later
and records it on the Media row (web_name), after which new links point at it.

The job is safe to run twice (a row that has its copy is left alone) and ends quietly, with
the reason logged, when the row or its file is gone or the file cannot be decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from flask import current_app
from PIL import Image
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Media
from . import storage
from .media import IMAGE_TYPES, KEEP_INFO, MAX_PIXELS, WEB_SIZE, encode_frames, strip_metadata


def wants_web_copy(width: int | None, height: int | None) -> bool:
    return bool(width and height and max(width, height) > WEB_SIZE)


def web_copy(data: bytes) -> tuple[bytes, str] | None:
    """(bytes, extension) of the web-sized copy of a cleaned image, or None when it needs none
    (small enough, animated). Raises OSError/ValueError for a file that cannot be decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES)) as image:
            if image.width * image.height > MAX_PIXELS or getattr(image, "n_frames", 1) > 1:
                return None
            if not wants_web_copy(image.width, image.height):
                return None
            fmt = image.format or ""
            keep = {k: image.info[k] for k in KEEP_INFO if k in image.info}
            small = image.copy()
    small.thumbnail((WEB_SIZE, WEB_SIZE), Image.Resampling.LANCZOS)
    return encode_frames(fmt, strip_metadata(small, keep), [], keep), IMAGE_TYPES[fmt][1]


def make_web_copy(media_id: int) -> None:
    """The job: give one stored image its web-sized copy."""
    log = current_app.logger
    row = db.session.get(Media, media_id)
    if row is None:
        log.info("web copy: media %s is gone; nothing to do", media_id)
        return
    if row.web_name or not row.content_type.startswith("image/"):
        return
    data = storage.read(row.site_id, row.stored_name)
    if data is None:
        log.warning("web copy: the file of media %s (%s) is missing", media_id, row.stored_name)
        return
    try:
        made = web_copy(data)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        log.warning("web copy: media %s cannot be decoded, left as it is: %s", media_id, error)
        return
    if made is None:
        return
    web, ext = made
    name = f"{hashlib.sha256(web).hexdigest()}.{ext}"
    storage.save(row.site_id, name, web)
    row.web_name = name
    row.size = row.size + len(web)
    try:
        db.session.commit()
    except StaleDataError:  # the file was deleted while the copy was being made
        db.session.rollback()
        storage.delete(row.site_id, name)
        log.info("web copy: media %s was deleted meanwhile", media_id)
