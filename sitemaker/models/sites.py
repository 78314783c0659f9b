"""Tenants, the people who work on them, and invitations to join."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import SingleLine, utcnow

if TYPE_CHECKING:
    from .accounts import User


class Role(enum.StrEnum):
    AUTHOR = "author"
    EDITOR = "editor"
    ADMIN = "admin"
    OWNER = "owner"


class Site(db.Model):
    __tablename__ = "sites"
    __table_args__ = (
        sa.Index(
            "uq_sites_verified_custom_domain",
            "custom_domain",
            unique=True,
            postgresql_where=sa.text("domain_verified_at IS NOT NULL"),
            sqlite_where=sa.text("domain_verified_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-case DNS label; the visitor path looks sites up by it on every request.
    # active_history: a change keeps the old value even when it was not loaded, so the
    # site-version board can move the counter of the name the site no longer answers to.
    subdomain: Mapped[str] = mapped_column(sa.String(63), unique=True, active_history=True)
    title: Mapped[str] = mapped_column(SingleLine(200))
    tagline: Mapped[str] = mapped_column(SingleLine(300), default="")
    description: Mapped[str] = mapped_column(SingleLine(500), default="")
    theme: Mapped[str] = mapped_column(sa.String(40), default="plain")
    custom_css: Mapped[str] = mapped_column(sa.Text, default="")
    favicon: Mapped[str | None] = mapped_column(sa.String(100))
    noindex: Mapped[bool] = mapped_column(default=False)
    # JSON list of page ids in menu order.
    navigation: Mapped[str] = mapped_column(sa.Text, default="[]")
    status: Mapped[str] = mapped_column(sa.String(12), default="active")  # active/suspended/deleted
    status_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    deleted_at: Mapped[datetime | None]
    # Bumped in the same transaction as any change a visitor can see; caches key on it.
    content_version: Mapped[int] = mapped_column(default=1)
    # Unique only once verified (see the index below): an unverified claim reserves nothing.
    custom_domain: Mapped[str | None] = mapped_column(
        sa.String(253), index=True, active_history=True
    )
    domain_token: Mapped[str | None] = mapped_column(sa.String(64))
    domain_verified_at: Mapped[datetime | None]
    # Operator overrides of the default quotas; None means the configured default.
    max_pages: Mapped[int | None]
    max_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # What readers see: the site's language (BCP 47), posts per index page, where the blog
    # index lives when a home page takes "/", and the link-preview image of last resort.
    language: Mapped[str] = mapped_column(sa.String(35), default="en", server_default="en")
    posts_per_page: Mapped[int] = mapped_column(default=20, server_default="20")
    blog_path: Mapped[str] = mapped_column(sa.String(100), default="blog", server_default="blog")
    social_image: Mapped[str | None] = mapped_column(sa.String(100))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def bump_content_version(self) -> None:
        """Call in the transaction that changes anything a visitor sees."""
        self.content_version = Site.content_version + 1

    def __repr__(self) -> str:
        return f"<Site {self.subdomain}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("site_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(12))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship()
