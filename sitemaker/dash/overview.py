"""The dashboard's front page: what the site holds and what is waiting."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, render_template

from ..extensions import db
from ..models import Page
from ..models.common import utcnow
from ..services import quotas
from ..services.permissions import Permission, requires
from . import bp


@bp.route("/")
@requires(Permission.WRITE)
def overview():
    site = g.site
    now = utcnow()
    live = Page.site_id == site.id, Page.deleted_at.is_(None)
    counts = dict(
        db.session.execute(
            sa.select(Page.kind, sa.func.count()).where(*live).group_by(Page.kind)
        ).all()
    )
    drafts = db.session.scalars(
        sa.select(Page)
        .where(*live, Page.status == "draft")
        .order_by(Page.updated_at.desc())
        .limit(8)
    ).all()
    draft_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Page).where(*live, Page.status == "draft")
    )
    scheduled = db.session.scalars(
        sa.select(Page)
        .where(*live, Page.status == "published", Page.published_at > now)
        .order_by(Page.published_at)
        .limit(8)
    ).all()
    recent = db.session.scalars(
        sa.select(Page).where(*live).order_by(Page.updated_at.desc()).limit(5)
    ).all()
    return render_template(
        "dash/overview.html",
        site=site,
        now=now,
        pages_count=counts.get("page", 0),
        posts_count=counts.get("post", 0),
        draft_count=draft_count,
        drafts=drafts,
        scheduled=scheduled,
        recent=recent,
        bytes_used=quotas.bytes_used(site.id),
        max_bytes=quotas.max_bytes(site),
        pages_used=quotas.pages_used(site.id),
        max_pages=quotas.max_pages(site),
    )
