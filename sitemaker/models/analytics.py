"""Page-view figures per site and day. No row holds anything about one reader: the only
per-reader value is a salted hash kept for the current day (AnalyticsVisitor), whose salt
(AnalyticsSalt) is deleted with it when the day is over (services/analytics_store.py)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def site_fk() -> sa.ForeignKey:
    return sa.ForeignKey("sites.id", ondelete="CASCADE")


class AnalyticsDay(db.Model):
    __tablename__ = "analytics_days"

    site_id: Mapped[int] = mapped_column(site_fk(), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(default=0)
    uniques: Mapped[int] = mapped_column(default=0)
    feed_fetches: Mapped[int] = mapped_column(default=0)


class AnalyticsPath(db.Model):
    __tablename__ = "analytics_paths"

    site_id: Mapped[int] = mapped_column(site_fk(), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    views: Mapped[int] = mapped_column(default=0)


class AnalyticsReferrer(db.Model):
    __tablename__ = "analytics_referrers"

    site_id: Mapped[int] = mapped_column(site_fk(), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    views: Mapped[int] = mapped_column(default=0)


class AnalyticsVisitor(db.Model):
    """Today's salted visitor hashes, only to count distinct ones; older days are deleted."""

    __tablename__ = "analytics_visitors"

    site_id: Mapped[int] = mapped_column(site_fk(), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class AnalyticsSalt(db.Model):
    """The day's random salt, shared by every app process; deleted once the day is over."""

    __tablename__ = "analytics_salts"

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(sa.String(64))
