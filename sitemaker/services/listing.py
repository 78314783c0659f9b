"""What visitors browse: the blog index and a tag's posts a page at a time, the archive, and
the tags with their counts.

Pages of a listing are cut by keyset, not OFFSET: `?before=<id>` names the last post a reader
saw, and the next page is the posts older than it by (published_at, id), read through the
ix_pages_site_posts index, so the thousandth page costs what the first does. The cursor is a
post id, so a site has no more listing pages (and cache entries) than it has posts. Each page
is one statement: the older posts and, after a cursor, the newer ones the "newer" link needs;
"newer" leads to the page that ends with the cursor's post, so following links in either
direction walks the same pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from ..extensions import db
from ..models import Page, PageTag
from .pages import SHOWN, VISIBLE

MAX_CURSOR = 2**62
MAX_PER_PAGE = 100


class Listing(NamedTuple):
    items: list[Any]
    older: int | None  # the `before` cursor of the next (older) page, or None at the end
    newer: int | None | bool  # the `before` cursor of the newer page; True: the first page


def parse_cursor(raw: str | None) -> int | None:
    """The cursor of `?before=`: None when absent; ValueError when it is not a post id."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) >= MAX_CURSOR:
        raise ValueError("The 'before' parameter must be a post number.")
    return int(raw)


def _scope(statement: sa.Select, tag: str | None) -> sa.Select:
    statement = statement.where(VISIBLE)
    if tag is None:
        return statement.where(Page.kind == "post")
    return statement.join(
        PageTag, sa.and_(PageTag.page_id == Page.id, PageTag.slug == sa.bindparam("tag"))
    )


def _part(name: str, cursor: Any | None, older: bool, tag: str | None) -> sa.Select:
    key = sa.tuple_(Page.published_at, Page.id)
    statement = _scope(sa.select(sa.literal(name).label("part"), *SHOWN), tag)
    if cursor is not None:
        bound = sa.tuple_(cursor.c.published_at, cursor.c.id)
        # The newer part starts at the cursor's own post: the page before this one ends there.
        statement = statement.join(cursor, key < bound if older else key >= bound)
    order = (Page.published_at.desc(), Page.id.desc()) if older else (Page.published_at, Page.id)
    return statement.order_by(*order).limit(sa.bindparam("limit"))


def _statement(with_cursor: bool, tag: str | None) -> sa.Select:
    if not with_cursor:
        return _part("older", None, True, tag)
    cursor = (
        sa.select(Page.published_at, Page.id)
        .where(Page.id == sa.bindparam("before"), Page.site_id == sa.bindparam("site_id"))
        .subquery("cursor")
    )
    older = _part("older", cursor, True, tag).subquery("older")
    newer = _part("newer", cursor, False, tag).subquery("newer")
    return sa.union_all(sa.select(older), sa.select(newer))


# Built once per shape: building a statement costs more than running it.
_STATEMENTS = {(c, t): _statement(c, "" if t else None) for c in (False, True) for t in (0, 1)}


def posts_page(
    site_id: int, now: datetime, per_page: int, before: int | None, tag: str | None = None
) -> Listing:
    """One page of the blog index (posts), or of a tag's pages when `tag` is given."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    statement = _STATEMENTS[(before is not None, tag is not None)]
    params = {"site_id": site_id, "now": now, "limit": per_page + 1, "before": before, "tag": tag}
    rows = db.session.execute(statement, params).all()
    older = sorted(
        (r for r in rows if r.part == "older"), key=lambda r: (r.published_at, r.id), reverse=True
    )
    newer = sorted((r for r in rows if r.part == "newer"), key=lambda r: (r.published_at, r.id))
    items = older[:per_page]
    next_older = items[-1].id if len(older) > per_page else None
    if before is None or not newer:
        newer_cursor: int | bool | None = None
    elif len(newer) > per_page:
        # The newer page ends at the cursor's post (newer[0]); it starts below newer[per_page].
        newer_cursor = newer[per_page].id
    else:
        newer_cursor = True
    return Listing(items, next_older, newer_cursor)


_ARCHIVE = (
    sa.select(*SHOWN)
    .where(VISIBLE)
    .order_by(Page.kind.desc(), Page.published_at.desc(), Page.id.desc())
)


def archive(site_id: int, now: datetime) -> tuple[list[tuple[datetime, list[Any]]], list[Any]]:
    """Every visible post grouped by month (newest first), and the visible pages."""
    months: list[tuple[datetime, list[Any]]] = []
    pages: list[Any] = []
    for row in db.session.execute(_ARCHIVE, {"site_id": site_id, "now": now}):
        if row.kind != "post":
            if not row.is_home:
                pages.append(row)
            continue
        month = row.published_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if not months or months[-1][0] != month:
            months.append((month, []))
        months[-1][1].append(row)
    pages.sort(key=lambda r: r.title.lower())
    return months, pages
