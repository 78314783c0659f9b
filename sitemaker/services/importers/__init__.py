"""Moving in from other platforms: WordPress (WXR), Ghost (JSON) and static-site generators
(a zip of Markdown with front matter). Each reader makes a Source; apply.py writes it."""

from __future__ import annotations

from collections.abc import Callable

from ...models import Page, Site, User
from .. import media as media_service
from ..transfer import ImportReport
from ..transfer_apply import import_site
from ..transfer_import import ImportRefused, read_archive
from . import ghost, static_site, wordpress
from .apply import apply_source

FORMATS = ("zip", "wordpress", "ghost")


def detect(data: bytes) -> str:
    """The upload's format from its first bytes, or ImportRefused."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"PK"):
        return "zip"
    if head.startswith(b"<"):
        return "wordpress"
    if head.startswith((b"{", b"[")):
        return "ghost"
    raise ImportRefused(
        "That file is not a zip file (a sitemaker export, or Markdown from Hugo, Jekyll or "
        "Eleventy), a WordPress export (.xml) or a Ghost export (.json)."
    )


def import_upload(
    site: Site,
    data: bytes,
    user: User | None,
    on_conflict: str = "rename",
    replace_settings: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportReport, list[str], dict[str, Page]]:
    """Import any supported upload; returns the report, the media files written (to remove if
    the caller's commit fails) and the pages made from another platform's items."""
    kind = detect(data)
    if kind == "zip":
        files = read_archive(data)
        if not static_site.is_static_site(files):
            report, written = import_site(site, data, user, on_conflict, replace_settings, progress)
            return report, written, {}
        source, images = static_site.parse(files)
        report, pages = apply_source(site, source, user, on_conflict, progress)
        written: list[str] = []
        if images:
            try:
                rows, written = media_service.store_all(site, images, user)
            except media_service.UploadError as error:
                raise ImportRefused(error.message, error.status) from None
            report.media = len({row.id for row in rows})
        return report, written, pages
    source = wordpress.parse(data) if kind == "wordpress" else ghost.parse(data)
    report, pages = apply_source(site, source, user, on_conflict, progress)
    return report, [], pages
