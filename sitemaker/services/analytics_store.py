"""Writing counted views (services/analytics_count.py) into the daily tables, one batch at a
time, and forgetting what must not outlive its day. The caller commits.

Per site and day the tables keep at most ANALYTICS_TOP_N paths and referrers; once a day has
that many, further new ones are added up under OTHER, so a flood of junk addresses cannot
grow the database either. Unique visitors are the distinct salted hashes of the day; the
hashes and the salt are deleted as soon as the day is over (its count stays)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AnalyticsDay,
    AnalyticsPath,
    AnalyticsReferrer,
    AnalyticsSalt,
    AnalyticsVisitor,
    Site,
)
from .analytics_count import Batch

OTHER = "(other)"
CHUNK = 500


def salt_for(day: date) -> str:
    """The day's salt, made by whichever process asks first (a racing one reads it back).
    Commits at once, since every process must use the same one."""
    salt = db.session.scalar(sa.select(AnalyticsSalt.salt).where(AnalyticsSalt.day == day))
    if salt is not None:
        return salt
    try:
        db.session.add(AnalyticsSalt(day=day, salt=secrets.token_hex(32)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return db.session.scalar(sa.select(AnalyticsSalt.salt).where(AnalyticsSalt.day == day))


def forget_before(today: date) -> None:
    """Yesterday's hashes and salts go; only today's can still be used."""
    db.session.execute(sa.delete(AnalyticsVisitor).where(AnalyticsVisitor.day < today))
    db.session.execute(sa.delete(AnalyticsSalt).where(AnalyticsSalt.day < today))


def apply_retention(today: date, keep_days: int | None) -> None:
    if not keep_days:
        return
    cutoff = today - timedelta(days=int(keep_days))
    for model in (AnalyticsDay, AnalyticsPath, AnalyticsReferrer):
        db.session.execute(sa.delete(model).where(model.day < cutoff))


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def site_ids(names: set[str]) -> dict[str, int]:
    """Counts are keyed by the name the site was served under: subdomain or verified domain."""
    found: dict[str, int] = {}
    listed = sorted(names)
    for start in range(0, len(listed), CHUNK):
        part = listed[start : start + CHUNK]
        rows = db.session.execute(
            sa.select(Site.id, Site.subdomain, Site.custom_domain).where(
                sa.or_(
                    Site.subdomain.in_(part),
                    sa.and_(Site.custom_domain.in_(part), Site.domain_verified_at.is_not(None)),
                )
            )
        )
        for site_id, subdomain, domain in rows:
            for name in (subdomain, domain):
                if name in names:
                    found[name] = site_id
    return found


def apply(batch: Batch, top_n: int) -> None:
    ids = site_ids({name for name, _ in batch.totals})
    for (name, day), (views, feeds) in batch.totals.items():
        if name in ids:
            _add_day(ids[name], day, views, feeds)
    ranked: dict[tuple[type, int, date], dict[str, int]] = defaultdict(dict)
    for table, model in ((batch.paths, AnalyticsPath), (batch.referrers, AnalyticsReferrer)):
        for (name, day, key), count in table.items():
            if name in ids:
                ranked[(model, ids[name], day)][key] = count
    for (model, site_id, day), counts in ranked.items():
        _merge_ranked(model, site_id, day, counts, top_n)
    _add_visitors(batch, ids)


def _add_day(site_id: int, day: date, views: int, feeds: int) -> None:
    statement = _insert(AnalyticsDay).values(
        site_id=site_id, day=day, views=views, uniques=0, feed_fetches=feeds
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["site_id", "day"],
            set_={
                "views": AnalyticsDay.views + statement.excluded.views,
                "feed_fetches": AnalyticsDay.feed_fetches + statement.excluded.feed_fetches,
            },
        )
    )


def _merge_ranked(model, site_id: int, day: date, counts: dict[str, int], top_n: int) -> None:
    column = model.path if model is AnalyticsPath else model.host
    where = (model.site_id == site_id, model.day == day)
    known = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
    existing: set[str] = set()
    keys = list(counts)
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        existing.update(db.session.scalars(sa.select(column).where(*where, column.in_(part))))
    merged: dict[str, int] = defaultdict(int)
    room = max(top_n - known, 0)
    for key, count in sorted(counts.items(), key=lambda item: -item[1]):
        if key in existing:
            merged[key] += count
        elif room > 0:
            merged[key] += count
            room -= 1
        else:
            merged[OTHER] += count
    name = column.key
    for key, count in merged.items():
        statement = _insert(model).values(site_id=site_id, day=day, views=count, **{name: key})
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["site_id", "day", name],
                set_={"views": model.views + statement.excluded.views},
            )
        )


def _add_visitors(batch: Batch, ids: dict[str, int]) -> None:
    rows = [
        {"site_id": ids[name], "day": day, "digest": digest}
        for name, day, digest in batch.visitors
        if name in ids
    ]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(
            _insert(AnalyticsVisitor).values(rows[start : start + CHUNK]).on_conflict_do_nothing()
        )
    for site_id, day in {(row["site_id"], row["day"]) for row in rows}:
        distinct = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AnalyticsVisitor)
            .where(AnalyticsVisitor.site_id == site_id, AnalyticsVisitor.day == day)
        )
        # A late batch for a day whose hashes are already gone can only add to the count.
        db.session.execute(
            sa.update(AnalyticsDay)
            .where(AnalyticsDay.site_id == site_id, AnalyticsDay.day == day)
            .values(
                uniques=sa.case(
                    (AnalyticsDay.uniques < distinct, distinct), else_=AnalyticsDay.uniques
                )
            )
        )
