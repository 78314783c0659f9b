"""Tags on pages: free text as the writer types it, addressed by its slug (/tag/<slug>)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from ..extensions import db
from ..models import Page, PageTag, Site
from .pages import VISIBLE, PageError

MAX_TAGS = 20
MAX_TAG_CHARS = 60
_SEPARATORS = re.compile(r"[\W_]+")


def tag_slug(name: str) -> str:
    """Lower-case words joined by hyphens. Accents fold away ("Café" -> "cafe") but letters of
    every script stay ("البحر", "東京"), so a tag written in Arabic has an Arabic address."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = _SEPARATORS.sub("-", unicodedata.normalize("NFC", bare)).strip("-")
    return slug[:MAX_TAG_CHARS].strip("-")


def parse_tags(values: str | Iterable[str]) -> list[tuple[str, str]]:
    """(slug, name) pairs from "a, b" or a list, in the writer's order, each slug once.
    Raises PageError("tags", ...) for more than MAX_TAGS or a tag with no letters or digits."""
    names = values.split(",") if isinstance(values, str) else list(values)
    pairs: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            raise PageError("tags", "Each tag must be text.")
        name = " ".join(raw.replace("\x00", "").split())[:MAX_TAG_CHARS].strip()
        if not name:
            continue
        slug = tag_slug(name)
        if not slug:
            raise PageError("tags", f"“{name}” needs at least one letter or digit.")
        pairs.setdefault(slug, name)
    if len(pairs) > MAX_TAGS:
        raise PageError(
            "tags", f"A page can have up to {MAX_TAGS} tags; this one has {len(pairs)}."
        )
    return list(pairs.items())


def tags_of(page_id: int) -> list[PageTag]:
    return list(
        db.session.scalars(
            sa.select(PageTag).where(PageTag.page_id == page_id).order_by(PageTag.slug)
        )
    )


def tag_names(page_id: int) -> list[str]:
    return [tag.name for tag in tags_of(page_id)]


def set_tags(site: Site, page: Page, values: str | Iterable[str]) -> bool:
    """Replace the page's tags; True when they changed. Bumps the site's content version when
    a visitor could see the change. The caller commits."""
    wanted = dict(parse_tags(values))
    current = {tag.slug: tag for tag in tags_of(page.id)}
    if {s: t.name for s, t in current.items()} == wanted:
        return False
    for slug, tag in current.items():
        if slug not in wanted:
            db.session.delete(tag)
        elif tag.name != wanted[slug]:
            tag.name = wanted[slug]
    for slug, name in wanted.items():
        if slug not in current:
            db.session.add(PageTag(page_id=page.id, site_id=site.id, slug=slug, name=name))
    db.session.flush()
    if page.status == "published":
        site.bump_content_version()
    return True


_TAG_NAME = (
    sa.select(PageTag.name)
    .join(Page, Page.id == PageTag.page_id)
    .where(VISIBLE, PageTag.site_id == sa.bindparam("site_id"), PageTag.slug == sa.bindparam("tag"))
    .limit(1)
)
_COUNTS = (
    sa.select(PageTag.slug, sa.func.min(PageTag.name).label("name"), sa.func.count().label("n"))
    .join(Page, Page.id == PageTag.page_id)
    .where(VISIBLE, PageTag.site_id == sa.bindparam("site_id"))
    .group_by(PageTag.slug)
    .order_by(PageTag.slug)
)


class ShownTag(NamedTuple):
    slug: str
    name: str


def shown_tags(tag_list: str | None) -> list[ShownTag]:
    """A page's tags for its visitor page, from the `tag_list` its row carries
    (services.pages.PAGE_BY_SLUG), in slug order."""
    pairs = (item.partition("\x1e") for item in (tag_list or "").split("\x1f") if item)
    return sorted(ShownTag(slug, name) for slug, _, name in pairs)


def visible_tag_name(site_id: int, slug: str, now: datetime) -> str | None:
    """The name of a tag some visible page of the site carries, else None."""
    return db.session.scalar(_TAG_NAME, {"site_id": site_id, "tag": slug, "now": now})


def tag_counts(site_id: int, now: datetime) -> list[Any]:
    """Every tag on the site's visible pages with how many carry it."""
    return db.session.execute(_COUNTS, {"site_id": site_id, "now": now}).all()
