"""Every saved text of a page: autosaves, diffs, and restoring an older one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Page, PageRevision, Site
from ..models.common import utcnow
from .pages import PageError, max_body_chars, save_page


def history(page: Page) -> list[PageRevision]:
    return list(
        db.session.scalars(
            sa.select(PageRevision)
            .where(PageRevision.page_id == page.id, PageRevision.site_id == page.site_id)
            .order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        )
    )


def autosave(page: Page, author_id: int | None, title: str, body: str) -> PageRevision:
    """Keep the text being typed. One rolling autosave per person and page: the latest row is
    updated while it is still that person's newest autosave, so typing all day adds one row
    per save, not one per keystroke. The page itself is untouched until a real save."""
    if len(body) > max_body_chars():
        raise PageError(
            "body", f"The text is too long; the limit is {max_body_chars():,} characters."
        )
    latest = db.session.scalar(
        sa.select(PageRevision)
        .where(PageRevision.page_id == page.id)
        .order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        .limit(1)
    )
    now = utcnow()
    if (
        latest is not None
        and latest.reason == "autosave"
        and latest.author_id == author_id
        and latest.page_version == page.version
    ):
        latest.title, latest.body, latest.created_at = title, body, now
        return latest
    revision = PageRevision(
        page_id=page.id,
        site_id=page.site_id,
        title=title,
        body=body,
        reason="autosave",
        page_version=page.version,
        author_id=author_id,
        created_at=now,
    )
    db.session.add(revision)
    return revision


def pending_autosave(page: Page, author_id: int | None) -> PageRevision | None:
    """This person's autosaved text that is newer than the page and differs from it: what a
    closed tab left behind."""
    revision = db.session.scalar(
        sa.select(PageRevision)
        .where(
            PageRevision.page_id == page.id,
            PageRevision.author_id == author_id,
            PageRevision.reason == "autosave",
            PageRevision.created_at >= page.updated_at,
        )
        .order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        .limit(1)
    )
    if revision is None or (revision.body == page.body and revision.title == page.title):
        return None
    return revision


def restore(site: Site, page: Page, revision: PageRevision, author_id: int | None) -> Page:
    """Make an old text current again; the restore is itself a new revision."""
    save_page(
        site,
        page,
        expected_version=page.version,
        title=revision.title,
        body=revision.body,
        slug=page.slug,
        description=page.description,
        status=page.status,
        published_at=page.published_at,
        author_id=author_id,
        reason="restore",
    )
    return page


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add / del / ctx / hunk
    text: str


def diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """A unified diff of two texts, line by line, ready for a template."""
    lines = []
    raw = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    for line in list(raw)[2:]:  # skip the ---/+++ file headers
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("del", line[1:]))
        else:
            lines.append(DiffLine("ctx", line[1:]))
    return lines
