"""Readers who follow a site by email, and the record of each post mailed to them.

A NewsletterSend row per post (unique page_id) is what makes a post go out once: it is written
when the post is first seen visible, and never again, so an edit, or unpublishing and
publishing again, finds it and sends nothing. A NewsletterDelivery row per (send, subscriber)
is what makes a run interrupted at any point resume without mailing anyone twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class Subscriber(db.Model):
    __tablename__ = "subscribers"
    __table_args__ = (
        # One row per address per site; the address is stored lower-cased (normalize_email).
        sa.UniqueConstraint("site_id", "email", name="uq_subscribers_site_email"),
        # A sending run walks a site's confirmed subscribers by id.
        sa.Index("ix_subscribers_site_status", "site_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    # pending (waiting for the confirmation link), confirmed, unsubscribed (final), bounced
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    bounce_reason: Mapped[str] = mapped_column(sa.String(300), default="")


class NewsletterSettings(db.Model):
    """Per-site switches; a site without a row has sending on and the configured quota."""

    __tablename__ = "newsletter_settings"

    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    sending_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Messages per UTC day, set by operators in /ops; None means NEWSLETTER_DAILY_QUOTA.
    daily_quota: Mapped[int | None]


class NewsletterSend(db.Model):
    """One post's mailing. status: off (the writer chose "publish without emailing"),
    skipped (sending off for the site, or the post too old when first seen), sending, sent,
    stopped (the daily quota; `message` says so)."""

    __tablename__ = "newsletter_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="sending")
    total: Mapped[int] = mapped_column(default=0)
    # The run covers the subscribers confirmed when it started: ids up to this one.
    last_subscriber_id: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class NewsletterDelivery(db.Model):
    """One message of one send to one subscriber: sent or bounced. Written (and committed)
    before the message's last line goes to the SMTP server; see services/newsletter_smtp."""

    __tablename__ = "newsletter_deliveries"
    __table_args__ = (
        # The daily quota counts a site's deliveries since midnight.
        sa.Index("ix_newsletter_deliveries_site_at", "site_id", "at"),
    )

    send_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_sends.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(10), default="sent")  # sent / bounced
    at: Mapped[datetime] = mapped_column(default=utcnow)
