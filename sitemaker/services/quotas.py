"""Per-site limits: the configured defaults, unless an operator set an override on the site."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Media, Page, Site


def max_bytes(site: Site) -> int:
    return site.max_bytes if site.max_bytes is not None else current_app.config["SITE_MAX_BYTES"]


def max_pages(site: Site) -> int:
    return site.max_pages if site.max_pages is not None else current_app.config["SITE_MAX_PAGES"]


def bytes_used(site_id: int) -> int:
    # SUM of a BIGINT is NUMERIC on PostgreSQL, which arrives as a Decimal.
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Media.size), 0)).where(Media.site_id == site_id)
        )
    )


def pages_used(site_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Page).where(Page.site_id == site_id)
    )
