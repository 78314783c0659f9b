"""Applying what an importer read to a site, in the caller's transaction: every item checked
as a page of a sitemaker zip is, then written at once. Items imported before (same source id)
are skipped, so importing the same export twice adds nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import ImportedKey, Page, PageRevision, PageTag, Site, User
from ...models.common import utcnow
from .. import quotas, render_budget, transfer_subscribers
from ..pages import PageError
from ..tags import parse_tags
from ..transfer import ImportReport
from ..transfer_import import ImportRefused, PageSpec, page_fields
from .source import Item, Source

Progress = Callable[[int, int], None]
PLATFORMS = {"wordpress": "WordPress", "ghost": "Ghost", "static": "the static site"}


def _checked(item: Item) -> dict:
    meta = {
        "title": item.title,
        "slug": item.slug,
        "kind": item.kind,
        "status": item.status,
        "description": item.description,
        "published_at": item.published_at,
        "updated_at": item.updated_at,
        "tags": item.tags[:20],
    }
    fields = page_fields(PageSpec(item.label or item.slug, meta, item.body))
    try:
        fields["tags"] = parse_tags(fields["tags"])
    except PageError as error:
        raise ImportRefused(error.message) from None
    fields.pop("old_slugs", None)
    return fields


def _known_sources(site: Site, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        known.update(
            db.session.scalars(
                sa.select(ImportedKey.key).where(
                    ImportedKey.site_id == site.id,
                    ImportedKey.kind == "source",
                    ImportedKey.key.in_(ids[start : start + 500]),
                )
            )
        )
    return known


def apply_source(
    site: Site,
    source: Source,
    user: User | None,
    on_conflict: str = "rename",
    progress: Progress | None = None,
    bodies: Callable[[Item], str] | None = None,
) -> tuple[ImportReport, dict[str, Page]]:
    """Write the source's items; returns the report and the pages by source id.
    `bodies` may rewrite an item's text first (links to files stored with the import)."""
    most = int(current_app.config.get("IMPORT_MAX_ITEMS", 5000))
    if len(source.items) > most:
        raise ImportRefused(
            f"The file has {len(source.items):,} pages and posts; at most {most:,} are imported "
            "at a time. Export in parts (WordPress: by date or type).",
            413,
        )
    report = ImportReport()
    skipped = list(source.skipped)
    known = _known_sources(site, [item.source_id for item in source.items])
    taken = set(db.session.scalars(sa.select(Page.slug).where(Page.site_id == site.id)))
    allowance = render_budget.RenderAllowance(float(current_app.config["IMPORT_RENDER_SECONDS"]))
    todo: list[tuple[Item, dict, str]] = []
    total = len(source.items) + 1
    for done, item in enumerate(source.items, 1):
        if progress is not None:
            progress(done, total)
        if item.source_id in known:
            skipped.append((item.label, "imported before; kept as it is"))
            continue
        known.add(item.source_id)  # the same id twice in one file: the first wins
        if bodies is not None:
            item.body = bodies(item)
        try:
            fields = _checked(item)
        except ImportRefused as error:
            skipped.append((item.label, error.message))
            continue
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
        try:
            html = allowance.render(fields["body"])
        except render_budget.TooMuchToRender:
            raise ImportRefused(
                "The pages of this file take too long to render (more than "
                f"{current_app.config['IMPORT_RENDER_SECONDS']:g} s of work; {item.label} is "
                "where it ran out). Export in parts.",
                413,
            ) from None
        todo.append((item, fields, html))
    room = quotas.max_pages(site) - quotas.pages_used(site.id)
    if len(todo) > room:
        raise ImportRefused(
            f"The file has {len(todo):,} new pages and posts; this site has room for "
            f"{max(room, 0):,} more.",
            413,
        )
    pages = _write(site, todo, user)
    transfer_subscribers.mark_imported(site, list(pages.values()))
    report.created += [fields["slug"] for _, fields, _ in todo]
    _menu(site, source, pages)
    _summarize(report, source, todo, skipped)
    site.bump_content_version()
    db.session.flush()
    return report, pages


def _write(site: Site, todo: list, user: User | None) -> dict[str, Page]:
    """Pages first (one flush gives them ids), then revisions, tags and old keys."""
    pages: dict[str, Page] = {}
    now = utcnow()
    for item, fields, html in todo:
        when = fields["updated_at"] or fields["published_at"] or now
        page = Page(
            site_id=site.id,
            title=fields["title"],
            slug=fields["slug"],
            kind=fields["kind"],
            status=fields["status"],
            description=fields["description"],
            body=fields["body"],
            html=html,
            published_at=fields["published_at"],
            created_at=fields["created_at"] or when,
            updated_at=when,
            author_id=user.id if user else None,
        )
        db.session.add(page)
        pages[item.source_id] = page
    db.session.flush()
    paths: set[str] = set(
        db.session.scalars(
            sa.select(ImportedKey.key).where(
                ImportedKey.site_id == site.id, ImportedKey.kind == "path"
            )
        )
    )
    for item, fields, _ in todo:
        page = pages[item.source_id]
        db.session.add(
            PageRevision(
                page_id=page.id,
                site_id=site.id,
                title=page.title,
                body=page.body,
                reason="import",
                page_version=page.version,
                author_id=page.author_id,
                created_at=now,
            )  # fmt: skip
        )
        for slug, name in fields["tags"]:
            db.session.add(PageTag(page_id=page.id, site_id=site.id, slug=slug, name=name))
        db.session.add(
            ImportedKey(site_id=site.id, page_id=page.id, kind="source", key=item.source_id[:300])
        )
        for path in item.old_paths:
            if path not in paths:
                paths.add(path)
                db.session.add(ImportedKey(site_id=site.id, page_id=page.id, kind="path", key=path))
    db.session.flush()
    return pages


def _menu(site: Site, source: Source, pages: dict[str, Page]) -> None:
    """The old menu's pages join the site's navigation, after what it already has."""
    if not source.menu:
        return
    try:
        current = [i for i in json.loads(site.navigation or "[]") if isinstance(i, int)]
    except ValueError:
        current = []
    added = [pages[s].id for s in source.menu if s in pages and pages[s].id not in current]
    site.navigation = json.dumps(current + added)


def _summarize(report: ImportReport, source: Source, todo: list, skipped: list) -> None:
    kinds = [fields["kind"] for _, fields, _ in todo]
    tags = {slug for _, fields, _ in todo for slug, _ in fields["tags"]}
    scheduled = sum(
        1 for _, f, _ in todo if f["status"] == "published" and f["published_at"] > utcnow()
    )
    report.notes.append(
        f"From {PLATFORMS[source.platform]}: {kinds.count('post')} post(s), {kinds.count('page')} page(s) "
        f"({scheduled} scheduled), {len(tags)} tag(s), {len(skipped)} item(s) skipped."
    )
    report.notes += [f"Skipped {what}: {why}" for what, why in skipped]
    report.notes += source.notes
