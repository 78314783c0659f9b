"""Export a site as a zip. Importing one (or a zip of Markdown files) is transfer_import
(reading, checking) and transfer_apply (writing).

The zip holds `pages/<slug>.md` (YAML front matter + Markdown), `media/<name>` and `site.json`
(settings, navigation as slugs, media records). Exports are byte-for-byte repeatable: fixed
entry dates, sorted entries. An import is read and checked completely before anything is
written, then applied in one transaction, so a bad zip never leaves half a site behind.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import yaml

from ..extensions import db
from ..models import Media, Page, Site
from . import storage, transfer_subscribers
from .pages import navigation_ids
from .transfer_import import DATE_FIELDS

FORMAT = 1
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SETTINGS = ("title", "tagline", "description", "theme", "custom_css", "favicon", "noindex")


def _date(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def reader_fields(page: Page) -> dict:
    """Tags and old addresses, only when the page has some (older exports stay identical)."""
    from .slug_redirects import old_slugs
    from .tags import tag_names

    fields = {"tags": tag_names(page.id), "old_slugs": old_slugs(page.id)}
    return {key: value for key, value in fields.items() if value}


def page_document(page: Page) -> str:
    """A page as Markdown with front matter (the form people edit in any text editor)."""
    meta = {
        "title": page.title,
        "slug": page.slug,
        "kind": page.kind,
        "status": page.status,
        "description": page.description,
        "is_home": page.is_home,
        **{name: _date(getattr(page, name)) for name in DATE_FIELDS},
    }
    meta.update(reader_fields(page))
    header = yaml.safe_dump(meta, sort_keys=True, allow_unicode=True, default_flow_style=False)
    return f"---\n{header}---\n{page.body}"


def export_site(site: Site, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The site as a zip. `progress(done, total)` hears about every page and media file."""
    pages = db.session.scalars(
        sa.select(Page)
        .where(Page.site_id == site.id, Page.deleted_at.is_(None))
        .order_by(Page.slug)
    ).all()
    media = db.session.scalars(
        sa.select(Media).where(Media.site_id == site.id).order_by(Media.stored_name)
    ).all()
    slug_by_id = {p.id: p.slug for p in pages}
    manifest = {
        "format": FORMAT,
        "settings": {name: getattr(site, name) for name in SETTINGS},
        "navigation": [slug_by_id[i] for i in navigation_ids(site) if i in slug_by_id],
        "media": [
            {
                "name": m.stored_name,
                "original_name": m.original_name,
                "content_type": m.content_type,
                "width": m.width,
                "height": m.height,
                "web_name": m.web_name,
            }
            for m in media
        ],
    }
    entries: dict[str, bytes] = {
        "site.json": json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
    }
    from .analytics_report import export_entries

    entries.update(export_entries(site.id))  # the daily figures, as CSV, when there are any
    entries.update(transfer_subscribers.export_entries(site))
    total = len(pages) + len(media)
    step = progress or (lambda done, total: None)
    for done, page in enumerate(pages, 1):
        entries[f"pages/{page.slug}.md"] = page_document(page).encode()
        step(done, total)
    for done, m in enumerate(media, len(pages) + 1):
        for name in (m.stored_name, m.web_name):
            if name:
                data = storage.read(site.id, name)
                if data is not None:
                    entries[f"media/{name}"] = data
        step(done, total)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return out.getvalue()


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    media: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        lines = [f"Imported {len(self.created)} page(s) and {self.media} file(s)."]
        lines += [f"'{old}' already exists; imported as '{new}'." for old, new in self.renamed]
        lines += [f"'{slug}' already exists; skipped." for slug in self.skipped]
        return lines + self.notes
