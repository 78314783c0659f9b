"""Pages and posts: the queries visitors' pages use, and creating and saving content."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Page, PageRevision, Site, User
from ..models.common import utcnow
from .markdown import render_markdown

# Slugs that would shadow a route on the tenant host.
RESERVED_SLUGS = frozenset(
    "admin api media static feed.xml sitemap.xml robots.txt custom.css favicon.ico "
    "tls healthz signin signout login logout auth".split()
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


def visible(site_id: int, now: datetime | None = None) -> sa.Select:
    """Published, not trashed, and due: what a visitor may see. Scheduled posts appear by
    themselves once their time has come."""
    return sa.select(Page).where(
        Page.site_id == site_id,
        Page.status == "published",
        Page.deleted_at.is_(None),
        Page.published_at <= (now or utcnow()),
    )


def navigation(site: Site, now: datetime | None = None) -> list[Page]:
    """The menu: the pages the tenant chose, in their order; by default every visible page."""
    chosen = [i for i in _json_list(site.navigation) if isinstance(i, int)]
    pages = db.session.scalars(
        visible(site.id, now).where(Page.kind == "page").order_by(Page.created_at, Page.id)
    ).all()
    if not chosen:
        return [p for p in pages if not p.is_home]
    by_id = {p.id: p for p in pages}
    return [by_id[i] for i in chosen if i in by_id]


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
    db.session.add(
        PageRevision(
            page_id=page.id,
            site_id=site.id,
            title=title,
            body=body,
            page_version=page.version,
            author_id=page.author_id,
            created_at=now,
        )
    )
    if status == "published":
        site.bump_content_version()
    return page
