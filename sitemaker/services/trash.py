"""The trash: deleted pages stay restorable for TRASH_DAYS; only emptying it removes them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Page, PageRevision, Site
from ..models.common import utcnow


def trash_days() -> int:
    return int(current_app.config.get("TRASH_DAYS", 30))


def expires_at(page: Page) -> datetime | None:
    return page.deleted_at + timedelta(days=trash_days()) if page.deleted_at else None


def trashed(site_id: int) -> list[Page]:
    return list(
        db.session.scalars(
            sa.select(Page)
            .where(Page.site_id == site_id, Page.deleted_at.is_not(None))
            .order_by(Page.deleted_at.desc(), Page.id.desc())
        )
    )


def trash(site: Site, page: Page) -> None:
    page.deleted_at = utcnow()
    page.version = Page.version + 1
    if page.status == "published":
        site.bump_content_version()


def untrash(site: Site, page: Page) -> None:
    page.deleted_at = None
    page.version = Page.version + 1
    if page.status == "published":
        site.bump_content_version()


def _remove(site_id: int, condition: sa.ColumnElement[bool]) -> int:
    """Delete trashed pages and their revisions (explicitly: SQLite does not cascade)."""
    ids = list(
        db.session.scalars(
            sa.select(Page.id).where(
                Page.site_id == site_id, Page.deleted_at.is_not(None), condition
            )
        )
    )
    if ids:
        db.session.execute(sa.delete(PageRevision).where(PageRevision.page_id.in_(ids)))
        db.session.execute(sa.delete(Page).where(Page.id.in_(ids)))
    return len(ids)


def empty(site_id: int, page_id: int | None = None) -> int:
    """Remove everything in the trash, or one page of it, for good. Returns how many."""
    return _remove(site_id, Page.id == page_id if page_id else sa.true())


def expiry_cutoff(now: datetime | None = None) -> datetime:
    """Pages trashed before this moment have been there longer than TRASH_DAYS."""
    return (now or utcnow()) - timedelta(days=trash_days())


def purge_expired(site_id: int, now: datetime | None = None) -> int:
    return _remove(site_id, Page.deleted_at < expiry_cutoff(now))
