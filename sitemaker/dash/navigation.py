"""The site's menu: which pages appear, in what order."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for

from ..extensions import db
from ..models import Page
from ..services.pages import navigation_ids
from ..services.permissions import Permission, requires
from . import bp
from .forms import ConfirmForm


def _menu_candidates() -> list[Page]:
    return list(
        db.session.scalars(
            sa.select(Page)
            .where(Page.site_id == g.site.id, Page.kind == "page", Page.deleted_at.is_(None))
            .order_by(Page.created_at, Page.id)
        )
    )


def _position(raw: str | None, fallback: int) -> int:
    try:
        return max(-10_000, min(10_000, int(raw or "")))
    except ValueError:
        return fallback


@bp.route("/navigation", methods=["GET", "POST"])
@requires(Permission.SETTINGS)
def navigation():
    pages = _menu_candidates()
    form = ConfirmForm()
    if form.validate_on_submit():
        known = {p.id for p in pages}
        chosen = []
        for index, page in enumerate(pages):
            if str(page.id) in request.form.getlist("include"):
                chosen.append(
                    (_position(request.form.get(f"position-{page.id}"), index), index, page.id)
                )
        ids = [page_id for _, _, page_id in sorted(chosen) if page_id in known]
        g.site.navigation = json.dumps(ids)
        g.site.bump_content_version()
        db.session.commit()
        flash(
            "Navigation saved." if ids else "Navigation reset: every published page is shown.",
            "success",
        )
        return redirect(url_for("dash.navigation"))
    current = navigation_ids(g.site)
    ordered = sorted(
        pages, key=lambda p: (current.index(p.id) if p.id in current else len(current), p.id)
    )
    return render_template(
        "dash/navigation.html",
        site=g.site,
        pages=ordered,
        chosen=set(current),
        default_all=not current,
        form=form,
    ), (422 if form.is_submitted() else 200)
