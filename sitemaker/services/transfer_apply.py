"""Applying a checked import to a site: media first (their names may change), then pages,
navigation and settings, all in the caller's transaction."""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
from collections.abc import Callable

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from ..extensions import db
from ..models import Page, PageRevision, Site, User
from ..models.common import utcnow
from . import media as media_service
from . import quotas, transfer_subscribers
from .markdown import render_markdown
from .themes import available_themes
from .transfer import FORMAT, SETTINGS, ImportReport
from .transfer_import import (
    STORED_NAME,
    ImportRefused,
    decode_text,
    page_fields,
    parse_document,
    read_archive,
)

CUSTOM_CSS_MAX = 50 * 1024  # as the settings form allows


def _manifest(files: dict[str, bytes]) -> dict:
    raw = files.get("site.json")
    if raw is None:
        return {}
    try:
        manifest = json.loads(decode_text("site.json", raw))
    except ValueError as error:
        raise ImportRefused("site.json is not valid JSON.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportRefused("site.json is not from a sitemaker export this version can read.")
    return manifest


def _already_clean(name: str, data: bytes) -> tuple[int | None, int | None] | None:
    """(width, height) when an exported file can be kept byte for byte: its name is its hash,
    it decodes as what its extension says, and it carries no metadata. None otherwise."""
    if not STORED_NAME.fullmatch(name):
        return None
    if hashlib.sha256(data).hexdigest() != name.split(".", 1)[0]:
        return None
    ext = name.rsplit(".", 1)[1]
    if ext == "pdf":
        return (None, None) if data.startswith(b"%PDF-") else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(media_service.IMAGE_TYPES)) as image:
                if media_service.IMAGE_TYPES[image.format][1] != ext:
                    return None
                if image.width * image.height > media_service.MAX_PIXELS:
                    return None
                if any(k in image.info for k in ("exif", "icc_profile", "comment", "xmp")):
                    return None
                image.load()
                return image.width, image.height
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            return None


def _text(record: dict, key: str) -> str:
    """A string from site.json, or "" for anything else a hand-edited file might hold."""
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _collect_media(
    files: dict[str, bytes], manifest: dict, step: Callable[[], None] = lambda: None
) -> tuple[list, dict[str, str]]:
    """[(Prepared, original)...] to store, and old name -> new name for links to rewrite."""
    listed = manifest.get("media")
    records = {
        m["name"]: m
        for m in (listed if isinstance(listed, list) else [])
        if isinstance(m, dict) and isinstance(m.get("name"), str)
    }
    web_names = {_text(m, "web_name") for m in records.values()} - {""}
    prepared = []
    renames: dict[str, str] = {}
    for path, data in sorted(files.items()):
        if not path.startswith("media/") or path.count("/") != 1:
            continue
        name = path[len("media/") :]
        if name in web_names:
            continue
        record = records.get(name, {})
        original = media_service.clean_name(_text(record, "original_name") or name)
        size = _already_clean(name, data)
        if size is not None:
            ext = name.rsplit(".", 1)[1]
            item = media_service.Prepared(
                original, media_service.CONTENT_TYPES[ext], ext, data, size[0], size[1]
            )
            web = _text(record, "web_name")
            if web and _already_clean(web, files.get(f"media/{web}", b"")) is not None:
                item.web_data = files[f"media/{web}"]
        else:
            try:
                item = media_service.prepare(original, data)
            except media_service.UploadError as error:
                raise ImportRefused(f"media/{name}: {error.message}", error.status) from error
        if item.stored_name != name:
            renames[name] = item.stored_name
        prepared.append(item)
        step()
    return prepared, renames


def _rewrite_links(body: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        body = re.sub(r"(?:\.\./|\./|/)?media/" + re.escape(old), f"/media/{new}", body)
    return body


def import_site(
    site: Site,
    data: bytes,
    user: User | None,
    on_conflict: str = "rename",
    replace_settings: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportReport, list[str]]:
    """Check everything, then apply. Returns the report and the media names written (for the
    caller to remove if its commit fails). The caller commits, or rolls back.
    `progress(done, total)` hears about each file checked, before anything is written (the
    checks are the slow part: every image is decoded and cleaned)."""
    files = read_archive(data)
    manifest = _manifest(files)
    total = len(files) + 1  # the last step: writing
    checked = [0]

    def step() -> None:
        checked[0] += 1
        if progress is not None:
            progress(min(checked[0], total - 1), total)

    specs = []
    for name, content in sorted(files.items()):
        if name.endswith((".md", ".markdown")) and not name.startswith("media/"):
            specs.append(parse_document(name, decode_text(name, content)))
            step()
    if not specs and not manifest:
        raise ImportRefused(
            "The zip has no Markdown (.md) files and no site.json; nothing to import."
        )
    pages = [page_fields(spec) for spec in specs]
    prepared, renames = _collect_media(files, manifest, step)
    report = ImportReport()
    taken = set(db.session.scalars(sa.select(Page.slug).where(Page.site_id == site.id)))
    has_home = (
        db.session.scalar(
            sa.select(Page.id).where(
                Page.site_id == site.id, Page.is_home, Page.deleted_at.is_(None)
            )
        )
        is not None
    )
    slug_map: dict[str, str] = {}
    to_create = []
    for fields in pages:
        slug = fields["slug"]
        if slug in taken:
            if on_conflict == "skip":
                report.skipped.append(slug)
                continue
            n = 2
            while f"{slug[:95]}-{n}" in taken:
                n += 1
            report.renamed.append((slug, f"{slug[:95]}-{n}"))
            fields["slug"] = f"{slug[:95]}-{n}"
        taken.add(fields["slug"])
        slug_map.setdefault(slug, fields["slug"])
        if fields["is_home"]:
            if has_home:
                fields["is_home"] = False
                report.notes.append(f"'{fields['slug']}' was a home page; the site keeps its own.")
            has_home = True
        to_create.append(fields)
    room = quotas.max_pages(site) - quotas.pages_used(site.id)
    if len(to_create) > room:
        raise ImportRefused(
            f"The zip has {len(to_create)} pages; this site has room for {max(room, 0)} more.", 413
        )
    try:
        rows, written = media_service.store_all(site, prepared, user)
    except media_service.UploadError as error:
        raise ImportRefused(error.message, error.status) from error
    report.media = len({row.id for row in rows})
    created = _create_pages(site, to_create, renames, user, report)
    report.notes += transfer_subscribers.import_entries(site, files, list(created.values()))
    if replace_settings and manifest:
        _apply_settings(site, manifest, created, slug_map, report)
    site.bump_content_version()
    db.session.flush()
    return report, written


def _create_pages(
    site: Site, items: list[dict], renames: dict[str, str], user: User | None, report: ImportReport
) -> dict[str, Page]:
    created: dict[str, Page] = {}
    for fields in items:
        body = _rewrite_links(fields.pop("body"), renames)
        tags, old_slugs = fields.pop("tags", []), fields.pop("old_slugs", [])
        now = fields["updated_at"] or fields["created_at"] or utcnow()
        fields["created_at"] = fields["created_at"] or now
        fields["updated_at"] = fields["updated_at"] or now
        page = Page(
            site_id=site.id,
            body=body,
            html=render_markdown(body),
            author_id=user.id if user else None,
            **fields,
        )
        db.session.add(page)
        db.session.flush()
        db.session.add(
            PageRevision(
                page_id=page.id,
                site_id=site.id,
                title=page.title,
                body=body,
                reason="import",
                page_version=page.version,
                author_id=page.author_id,
                created_at=utcnow(),
            )
        )
        _add_reader_fields(site, page, tags, old_slugs)
        created[page.slug] = page
        report.created.append(page.slug)
    return created


def _add_reader_fields(site: Site, page: Page, tags: list[str], old_slugs: list[str]) -> None:
    """The page's tags, and its old addresses where no page of this site holds them."""
    from .slug_redirects import add_old_slugs, slug_taken
    from .tags import set_tags

    slug_taken(site.id, page.slug)
    set_tags(site, page, tags)
    add_old_slugs(site.id, page.id, old_slugs)


def _apply_settings(
    site: Site,
    manifest: dict,
    created: dict[str, Page],
    slug_map: dict[str, str],
    report: ImportReport,
) -> None:
    settings = manifest.get("settings") or {}
    if not isinstance(settings, dict):
        raise ImportRefused("site.json: 'settings' must be an object.")
    limits = {"title": 200, "tagline": 300, "description": 500, "custom_css": CUSTOM_CSS_MAX}
    for key in SETTINGS:
        if key not in settings:
            continue
        value = settings[key]
        if key in limits:
            if (
                not isinstance(value, str)
                or len(value) > limits[key]
                or (key == "title" and not value.strip())
            ):
                raise ImportRefused(
                    f"site.json: '{key}' must be text of at most {limits[key]} characters."
                )
        elif key == "theme":
            if value not in available_themes():
                report.notes.append(
                    f"Theme '{str(value)[:40]}' is not available here; kept the current one."
                )
                continue
        elif key == "noindex":
            value = bool(value)
        elif key == "favicon":
            value = (
                value if isinstance(value, str) and media_service.existing(site.id, value) else None
            )
        setattr(site, key, value)
    nav = manifest.get("navigation") or []
    if isinstance(nav, list):
        ids = [
            created[slug_map[s]].id
            for s in nav
            if isinstance(s, str) and slug_map.get(s) in created
        ]
        site.navigation = json.dumps(ids)
    db.session.flush()
