"""Pages and posts, and every saved version of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import SingleLine, utcnow


class Page(db.Model):
    __tablename__ = "pages"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "slug"),
        # The visitor path: a site's published items, newest first.
        sa.Index("ix_pages_site_listing", "site_id", "status", "published_at"),
        # The blog index and its keyset pages: a site's posts by (published_at, id).
        sa.Index("ix_pages_site_posts", "site_id", "kind", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(8), default="page")  # page/post
    slug: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(SingleLine(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # Sanitized HTML, rendered when the body is saved, never on a visitor's request.
    html: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(SingleLine(300), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")  # draft/published
    is_home: Mapped[bool] = mapped_column(default=False)
    # Optimistic locking: a save names the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    # The image link previews show (a media name); None falls back to the first image.
    social_image: Mapped[str | None] = mapped_column(sa.String(100))
    # A BCP 47 tag overriding the site's language for this page; None means the site's.
    language: Mapped[str | None] = mapped_column(sa.String(35))

    def is_visible(self, now: datetime) -> bool:
        return (
            self.status == "published"
            and self.deleted_at is None
            and self.published_at is not None
            and self.published_at <= now
        )

    def __repr__(self) -> str:
        return f"<Page {self.site_id}/{self.slug}>"


class PageRevision(db.Model):
    __tablename__ = "page_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(SingleLine(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # save / autosave / restore / conflict / import
    reason: Mapped[str] = mapped_column(sa.String(12), default="save")
    page_version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageTag(db.Model):
    """A tag on a page: `slug` is what addresses it (/tag/<slug>), `name` what the writer typed."""

    __tablename__ = "page_tags"
    __table_args__ = (
        # A tag's listing: the pages of one site with that tag.
        sa.Index("ix_page_tags_site_slug", "site_id", "slug"),
    )

    page_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(60))


class SlugRedirect(db.Model):
    """An address a page used to have: /<old_slug> answers 301 to the page's current address.
    It points at the page, not at a slug, so renaming twice never makes a chain."""

    __tablename__ = "slug_redirects"
    __table_args__ = (sa.UniqueConstraint("site_id", "old_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    old_slug: Mapped[str] = mapped_column(sa.String(100))
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
