"""Pages and posts: the queries visitors' pages use, and creating and saving content."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app, g

from ..extensions import db
from ..models import Page, PageRevision, PageTag, Site, User
from ..models.common import utcnow
from .markdown import render_markdown

# Slugs that would shadow a route on the tenant host.
RESERVED_SLUGS = frozenset(
    "admin api media static feed.xml sitemap.xml robots.txt custom.css favicon.ico "
    "tls healthz signin signout login logout auth archive tag tags search".split()
)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated; 'Ünïcode Title!' -> 'unicode-title'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_CHARS.sub("-", ascii_text.lower()).strip("-")[:100].strip("-")


def slug_error(slug: str) -> str | None:
    if not SLUG_RE.fullmatch(slug):
        return "Use lower-case letters, digits and hyphens (up to 100), not starting or ending with a hyphen."
    if slug in RESERVED_SLUGS:
        return f"'{slug}' is used by the site itself; choose another."
    return None


def visible(
    site_id: int | sa.BindParameter, now: datetime | sa.BindParameter | None = None
) -> sa.Select:
    """Published, not trashed, and due: what a visitor may see. Scheduled posts appear by
    themselves once their time has come."""
    return sa.select(Page).where(
        Page.site_id == site_id,
        Page.status == "published",
        Page.deleted_at.is_(None),
        Page.published_at <= (utcnow() if now is None else now),
    )


# The visitor path's statements, built once: building a select costs more than running it.
# Each takes site_id and now (and slug where it says so).
_VISIBLE = VISIBLE = visible(sa.bindparam("site_id"), sa.bindparam("now")).whereclause
# Rows, not ORM objects, with what themes show (never the Markdown source): visitor pages only
# read them, and the ORM's per-object bookkeeping costs more than the query.
_SHOWN = SHOWN = (Page.id, Page.slug, Page.title, Page.kind, Page.is_home, Page.description,
          Page.published_at)  # fmt: skip
# A page's tags ride along in the page's own row ("slug\x1ename" joined by \x1f; tag names
# never hold those characters, they count as whitespace): no extra round trip per visit.
_TAG_LIST = (
    sa.select(sa.func.aggregate_strings(PageTag.slug + "\x1e" + PageTag.name, "\x1f"))
    .where(PageTag.page_id == Page.id)
    .scalar_subquery()
    .label("tag_list")
)
_WHOLE = (*_SHOWN, Page.html, Page.social_image, Page.language, _TAG_LIST)
HOME_PAGE = sa.select(*_WHOLE).where(_VISIBLE, Page.is_home).limit(1)
PAGE_BY_SLUG = sa.select(*_WHOLE).where(_VISIBLE, Page.slug == sa.bindparam("slug"))
RECENT = (
    sa.select(*_SHOWN).where(_VISIBLE).order_by(Page.published_at.desc(), Page.id.desc()).limit(50)
)


class Outline(NamedTuple):
    """What every visitor page of a site needs besides its own content."""

    nav: list[Any]  # the menu: rows with id, slug, title
    due_marker: str  # changes when a scheduled item appears (count and latest due moment)
    next_due: datetime | None  # when the next scheduled item appears
    has_home: bool = False  # a home page takes "/", so the blog index lives at its own path


def _typed_null(type_: Any) -> Any:
    return sa.type_coerce(sa.null(), type_)


_DUE_NOW = Page.published_at <= sa.bindparam("now")
# One round trip for both halves of the outline: a row of aggregates over everything published
# (due or scheduled), then the menu's rows (pages only, due only; titles and links, no text).
_OUTLINE = sa.union_all(
    sa.select(
        sa.literal_column("'due'").label("part"),
        sa.func.count(sa.case((_DUE_NOW, 1))).label("n"),
        sa.type_coerce(
            sa.func.max(sa.case((_DUE_NOW, Page.published_at))), sa.DateTime
        ).label("latest"),
        sa.type_coerce(
            sa.func.min(sa.case((~_DUE_NOW, Page.published_at))), sa.DateTime
        ).label("upcoming"),
        _typed_null(sa.Integer).label("id"),
        _typed_null(sa.String).label("slug"),
        _typed_null(sa.String).label("title"),
        _typed_null(sa.Boolean).label("is_home"),
        _typed_null(sa.DateTime).label("created_at"),
    ).where(
        Page.site_id == sa.bindparam("site_id"),
        Page.status == "published",
        Page.deleted_at.is_(None),
    ),
    sa.select(
        sa.literal_column("'menu'"), sa.null(), sa.null(), sa.null(),
        Page.id, Page.slug, Page.title, Page.is_home, Page.created_at,
    ).where(_VISIBLE, Page.kind == "page"),
)  # fmt: skip


def site_outline(site: Site, now: datetime | None = None) -> Outline:
    """The menu (the pages the tenant chose, in their order; by default every visible page)
    and which scheduled items are due, read once per request."""
    known = g.get("site_outline")
    if known is not None:
        return known
    rows = db.session.execute(_OUTLINE, {"site_id": site.id, "now": now or utcnow()}).all()
    due = next(row for row in rows if row.part == "due")
    menu = sorted((row for row in rows if row.part == "menu"), key=lambda r: (r.created_at, r.id))
    chosen = navigation_ids(site)
    if chosen:
        by_id = {row.id: row for row in menu}
        nav = [by_id[i] for i in chosen if i in by_id]
    else:
        nav = [row for row in menu if not row.is_home]
    latest = due.latest
    has_home = any(row.is_home for row in menu)
    outline = Outline(
        nav, f"{due.n}:{latest.isoformat() if latest else ''}", due.upcoming, has_home
    )
    g.site_outline = outline
    return outline


def _json_list(raw: str | None) -> list:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def create_page(
    site: Site,
    title: str,
    body: str = "",
    *,
    slug: str | None = None,
    kind: str = "page",
    status: str = "draft",
    author: User | None = None,
    is_home: bool = False,
    description: str = "",
    published_at: datetime | None = None,
) -> Page:
    """Add a page with its first revision. The caller commits."""
    now = utcnow()
    if status == "published" and published_at is None:
        published_at = now
    page = Page(
        site_id=site.id,
        kind=kind,
        slug=slug or slugify(title) or "untitled",
        title=title,
        body=body,
        html=render_markdown(body),
        description=description,
        status=status,
        is_home=is_home,
        author_id=author.id if author else None,
        published_at=published_at,
        created_at=now,
        updated_at=now,
    )
    db.session.add(page)
    db.session.flush()
    from .slug_redirects import slug_taken

    slug_taken(site.id, page.slug)
    _revision(page, title, body, "save", page.version, page.author_id, now)
    if status == "published":
        site.bump_content_version()
    return page


class PageError(ValueError):
    """Input a page cannot be saved with; `field` names the form field to show it on."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class SaveConflict(Exception):
    """The page changed since the editor opened it. The loser's text is kept as `revision`."""

    def __init__(self, page: Page, revision: PageRevision):
        super().__init__("changed since you opened it")
        self.page = page
        self.revision = revision


def max_body_chars() -> int:
    return int(current_app.config.get("PAGE_MAX_BODY_CHARS", 250_000))


def check_input(
    site_id: int, *, title: str, body: str, slug: str, page_id: int | None = None
) -> None:
    """Raise PageError for a title, body or slug the page cannot have."""
    if not title.strip():
        raise PageError("title", "Give the page a title.")
    if len(body) > max_body_chars():
        raise PageError(
            "body",
            f"The text is too long: {len(body):,} characters, the limit is {max_body_chars():,}.",
        )
    problem = slug_error(slug)
    if problem:
        raise PageError("slug", problem)
    holder = db.session.scalar(
        sa.select(Page).where(Page.site_id == site_id, Page.slug == slug, Page.id != (page_id or 0))
    )
    if holder is not None:
        where = "a page in the trash" if holder.deleted_at else f"“{holder.title}”"
        raise PageError("slug", f"'{slug}' is already used by {where}; choose another.")


def unique_slug(site_id: int, title: str, page_id: int | None = None) -> str:
    """A free slug derived from the title: 'about', then 'about-2', 'about-3'... A page
    keeps its own slug when it would derive the same one."""
    base = slugify(title)[:90].strip("-") or "untitled"
    if base in RESERVED_SLUGS:
        base = f"{base}-page"
    taken = set(
        db.session.scalars(
            sa.select(Page.slug).where(
                Page.site_id == site_id, Page.slug.startswith(base), Page.id != (page_id or 0)
            )
        )
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def save_page(
    site: Site,
    page: Page,
    *,
    expected_version: int,
    title: str,
    body: str,
    slug: str,
    description: str,
    status: str,
    published_at: datetime | None,
    author_id: int | None,
    reason: str = "save",
) -> Page:
    """Save over `expected_version` only. The conditional UPDATE lets exactly one of two
    concurrent saves win; the other gets SaveConflict with its text kept as a revision.
    The caller commits (also after a conflict, to keep the revision)."""
    slug = slug or unique_slug(site.id, title, page.id)
    check_input(site.id, title=title, body=body, slug=slug, page_id=page.id)
    now = utcnow()
    was_public = page.status == "published"
    old_slug = page.slug
    if status == "published" and published_at is None:
        published_at = page.published_at or now
    result = db.session.execute(
        sa.update(Page)
        .where(Page.id == page.id, Page.site_id == site.id, Page.version == expected_version)
        .values(
            title=title,
            body=body,
            html=render_markdown(body),
            slug=slug,
            description=description,
            status=status,
            published_at=published_at,
            version=Page.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(page)
        kept = _revision(page, title, body, "conflict", expected_version, author_id, now)
        raise SaveConflict(page, kept)
    db.session.refresh(page)
    from .slug_redirects import record_move

    record_move(site.id, page.id, old_slug, slug)
    _revision(page, title, body, reason, page.version, author_id, now)
    if was_public or status == "published":
        site.bump_content_version()
    return page


def set_status(site: Site, page: Page, status: str, published_at: datetime | None = None) -> None:
    """Publish (now, or at `published_at` to schedule) or unpublish without touching the text.
    Bumps the page version so an editor open on the old state cannot silently undo it."""
    if status == "published":
        page.published_at = published_at or page.published_at or utcnow()
    page.status = status
    page.version = Page.version + 1
    page.updated_at = utcnow()
    site.bump_content_version()


def _revision(
    page: Page,
    title: str,
    body: str,
    reason: str,
    version: int,
    author_id: int | None,
    now: datetime,
) -> PageRevision:
    revision = PageRevision(
        page_id=page.id,
        site_id=page.site_id,
        title=title,
        body=body,
        reason=reason,
        page_version=version,
        author_id=author_id,
        created_at=now,
    )
    db.session.add(revision)
    return revision


def navigation_ids(site: Site) -> list[int]:
    """The page ids the tenant put in the menu, in order; empty means "every page"."""
    return [i for i in _json_list(site.navigation) if isinstance(i, int)]


def set_home(site: Site, page: Page, is_home: bool) -> None:
    """Make `page` the site's front page (one at most), or stop it being one."""
    if page.is_home == is_home:
        return
    if is_home:
        db.session.execute(
            sa.update(Page)
            .where(Page.site_id == site.id, Page.is_home.is_(True))
            .values(is_home=False)
            .execution_options(synchronize_session=False)
        )
    page.is_home = is_home
    site.bump_content_version()
