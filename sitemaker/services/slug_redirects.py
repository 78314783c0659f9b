"""Old addresses keep working: when a page's slug changes, /<old slug> answers 301 to the
page's current address. A page that takes an old slug for itself wins it: its redirect is
removed, and the visitor path looks for pages before redirects anyway."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Page, SlugRedirect
from .pages import VISIBLE, slug_error


def slug_taken(site_id: int, slug: str) -> None:
    """The slug is a page's own now: no redirect of the site may answer for it."""
    db.session.execute(
        sa.delete(SlugRedirect)
        .where(SlugRedirect.site_id == site_id, SlugRedirect.old_slug == slug)
        .execution_options(synchronize_session=False)
    )


def record_move(site_id: int, page_id: int, old_slug: str, new_slug: str) -> None:
    """Remember that the page left `old_slug` for `new_slug`. The caller commits."""
    if old_slug == new_slug:
        return
    slug_taken(site_id, new_slug)
    add_old_slugs(site_id, page_id, [old_slug])


def add_old_slugs(site_id: int, page_id: int, slugs: Iterable[str]) -> list[str]:
    """Point each well-formed slug that no page of the site holds at the page; returns those
    added (an import brings a page's old addresses this way)."""
    wanted = {s for s in slugs if isinstance(s, str) and slug_error(s) is None}
    if not wanted:
        return []
    held = set(
        db.session.scalars(
            sa.select(Page.slug).where(Page.site_id == site_id, Page.slug.in_(wanted))
        )
    )
    added = sorted(wanted - held)
    for slug in added:
        slug_taken(site_id, slug)
        db.session.add(SlugRedirect(site_id=site_id, old_slug=slug, page_id=page_id))
    db.session.flush()
    return added


def old_slugs(page_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(SlugRedirect.old_slug)
            .where(SlugRedirect.page_id == page_id)
            .order_by(SlugRedirect.old_slug)
        )
    )


_TARGET = (
    sa.select(Page.slug, Page.is_home)
    .join(SlugRedirect, SlugRedirect.page_id == Page.id)
    .where(
        VISIBLE,
        SlugRedirect.site_id == sa.bindparam("site_id"),
        SlugRedirect.old_slug == sa.bindparam("slug"),
    )
)


def target(site_id: int, slug: str, now: datetime) -> tuple[str, bool] | None:
    """(current slug, is_home) of the visible page that once had `slug`, else None."""
    row = db.session.execute(_TARGET, {"site_id": site_id, "slug": slug, "now": now}).first()
    return (row.slug, row.is_home) if row is not None else None
