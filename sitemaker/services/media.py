"""Uploads: decide what a file really is, clean it, and store it under its content hash.

Images are decoded (never trusted by name or header) and re-encoded without EXIF or other
metadata before they are stored; a large one gets its web-sized copy from a job once the
upload has committed (media_derivatives). PDFs are checked by their magic bytes. Anything
else — SVG and HTML included — is refused, because it could run script on the tenant's host.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from ..extensions import db
from ..models import Media, Site, User
from . import quotas, storage

# Pillow format -> (Content-Type, extension)
IMAGE_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
PDF_TYPE = ("application/pdf", "pdf")
CONTENT_TYPES = {ext: ctype for ctype, ext in [*IMAGE_TYPES.values(), PDF_TYPE]}
# Enough for a 48-megapixel camera; anything larger is refused before it is decoded.
MAX_PIXELS = 50_000_000
WEB_SIZE = 1600
# Image info that is part of the picture rather than metadata about it.
KEEP_INFO = ("transparency", "duration", "loop", "background")
_MARKUP = (b"<html", b"<script", b"<svg", b"<!doctype", b"<body", b"<iframe")


class UploadError(Exception):
    """A file that cannot be accepted; the message is for the person who sent it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Prepared:
    """A cleaned file, ready to store: its bytes, plus a web copy for large images."""

    original_name: str
    content_type: str
    ext: str
    data: bytes
    width: int | None = None
    height: int | None = None
    web_data: bytes | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def stored_name(self) -> str:
        return f"{self.sha256}.{self.ext}"

    @property
    def web_name(self) -> str | None:
        if self.web_data is None:
            return None
        return f"{hashlib.sha256(self.web_data).hexdigest()}.{self.ext}"

    @property
    def size(self) -> int:
        return len(self.data) + len(self.web_data or b"")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def clean_name(name: str | None) -> str:
    """A display name: no folders, no control characters, bounded length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "file"


def prepare(filename: str | None, data: bytes) -> Prepared:
    """Verify and clean one file, or raise UploadError saying why not."""
    name = clean_name(filename)
    limit = current_app.config["MEDIA_MAX_FILE_BYTES"]
    if not data:
        raise UploadError(f"{name} is empty.")
    if len(data) > limit:
        raise UploadError(
            f"{name} is {human_size(len(data))}; the limit per file is {human_size(limit)}.", 413
        )
    if data.startswith(b"%PDF-"):
        if any(marker in data[:1024].lower() for marker in _MARKUP):
            raise UploadError(f"{name} looks like a PDF but carries HTML; it was refused.", 415)
        return Prepared(name, PDF_TYPE[0], PDF_TYPE[1], data)
    return _prepare_image(name, data)


def _refuse_type(name: str) -> UploadError:
    return UploadError(
        f"{name} is not a PNG, JPEG, GIF, WebP image or a PDF. SVG, HTML and other types "
        "are not accepted.",
        415,
    )


def _prepare_image(name: str, data: bytes) -> Prepared:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES))
        except UnidentifiedImageError as error:
            raise _refuse_type(name) from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels(name) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise UploadError(f"{name} is damaged and could not be read.") from error
        with image:
            if image.width * image.height > MAX_PIXELS:
                raise _too_many_pixels(name)
            # Many small frames add up to one large picture in memory.
            if image.width * image.height * getattr(image, "n_frames", 1) > 2 * MAX_PIXELS:
                raise UploadError(f"{name} has too many frames to process.", 413)
            try:
                return _reencode(name, image)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise _too_many_pixels(name) from error
            except (OSError, SyntaxError, ValueError, EOFError) as error:
                raise UploadError(f"{name} is damaged and could not be read.") from error


def _too_many_pixels(name: str) -> UploadError:
    return UploadError(
        f"{name} has too many pixels (the limit is {MAX_PIXELS // 1_000_000} megapixels).", 413
    )


def _reencode(name: str, image: Image.Image) -> Prepared:
    fmt = image.format or ""
    content_type, ext = IMAGE_TYPES[fmt]
    keep = {k: image.info[k] for k in KEEP_INFO if k in image.info}
    if getattr(image, "n_frames", 1) > 1:
        frames = [strip_metadata(frame.copy(), keep) for frame in ImageSequence.Iterator(image)]
    else:
        # Apply the camera's rotation before its EXIF goes, or the picture ends up sideways.
        frames = [strip_metadata(ImageOps.exif_transpose(image), keep)]
    first = frames[0]
    if fmt == "JPEG" and first.mode not in ("RGB", "L", "CMYK"):
        first = first.convert("RGB")
    data = encode_frames(fmt, first, frames[1:], keep)
    width, height = first.size
    return Prepared(name, content_type, ext, data, width, height)


def strip_metadata(image: Image.Image, keep: dict) -> Image.Image:
    image.info = dict(keep)
    return image


def encode_frames(fmt: str, first: Image.Image, rest: list[Image.Image], keep: dict) -> bytes:
    out = io.BytesIO()
    options: dict = {}
    if fmt == "JPEG":
        options = {"quality": 88, "optimize": True}
    elif fmt == "WEBP":
        options = {"quality": 85}
    elif fmt == "PNG":
        options = {"optimize": False}
    if rest:
        options.update(save_all=True, append_images=rest)
        options.update({k: v for k, v in keep.items() if k in ("duration", "loop")})
    first.save(out, format=fmt, **options)
    return out.getvalue()


def room_left(site: Site) -> int:
    return max(0, quotas.max_bytes(site) - quotas.bytes_used(site.id))


def check_room(site: Site, needed: int) -> None:
    left = room_left(site)
    if needed > left:
        raise UploadError(
            f"Not enough room: this needs {human_size(needed)}, and the site has "
            f"{human_size(left)} left of {human_size(quotas.max_bytes(site))}.",
            413,
        )


def existing(site_id: int, stored_name: str) -> Media | None:
    return db.session.scalar(
        db.select(Media).where(Media.site_id == site_id, Media.stored_name == stored_name)
    )


def store_all(
    site: Site, files: list[Prepared], uploader: User | None
) -> tuple[list[Media], list[str]]:
    """Record and store prepared files; a file the site already has is reused, not doubled.
    Returns the Media rows and the names newly written (so a failed commit can remove them).
    The caller commits; then a job makes the web copies large images still need."""
    rows: list[Media] = []
    written: list[str] = []
    fresh: dict[str, Media] = {}
    new = [p for p in files if existing(site.id, p.stored_name) is None]
    check_room(site, sum(p.size for p in {p.stored_name: p for p in new}.values()))
    for item in files:
        row = existing(site.id, item.stored_name) or fresh.get(item.stored_name)
        if row is None:
            row = Media(
                site_id=site.id,
                stored_name=item.stored_name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                width=item.width,
                height=item.height,
                web_name=item.web_name,
                uploaded_by_id=uploader.id if uploader else None,
            )
            db.session.add(row)
            storage.save(site.id, item.stored_name, item.data)
            written.append(item.stored_name)
            if item.web_data is not None and item.web_name:
                storage.save(site.id, item.web_name, item.web_data)
                written.append(item.web_name)
            fresh[item.stored_name] = row
        rows.append(row)
    db.session.flush()
    _queue_web_copies([row for row in fresh.values() if row.web_name is None])
    return rows, written


def _queue_web_copies(rows: list[Media]) -> None:
    from . import jobs
    from .media_derivatives import make_web_copy, wants_web_copy

    for row in rows:
        if row.content_type.startswith("image/") and wants_web_copy(row.width, row.height):
            jobs.enqueue(make_web_copy, row.id, description=f"web copy of media {row.id}")


def forget_files(site_id: int, names: list[str]) -> None:
    """Remove files written for a transaction that did not commit, unless a committed record
    (say, a concurrent upload of the same bytes) now uses them."""
    if not names:
        return
    used = set(
        db.session.scalars(
            sa.select(Media.stored_name).where(
                Media.site_id == site_id, Media.stored_name.in_(names)
            )
        )
    ) | set(
        db.session.scalars(
            sa.select(Media.web_name).where(Media.site_id == site_id, Media.web_name.in_(names))
        )
    )
    for name in names:
        if name not in used:
            storage.delete(site_id, name)


def delete_media(media: Media) -> None:
    """Remove the record now; the caller commits, then removes the bytes (files_of)."""
    db.session.delete(media)


def files_of(media: Media) -> list[str]:
    return [n for n in (media.stored_name, media.web_name) if n]
