"""A page's history: every saved text, a diff against the current one, and restoring any."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for

from ..extensions import db
from ..models import PageRevision, User
from ..services import revisions as history
from ..services.pages import PageError, SaveConflict
from ..services.permissions import Permission, requires
from . import bp
from .access import check_id, editable_page, user_id
from .clock import user_zone, when
from .forms import ConfirmForm


def _revision(page_id: int, revision_id: int) -> PageRevision:
    check_id(revision_id)
    return db.first_or_404(
        sa.select(PageRevision).where(
            PageRevision.id == revision_id,
            PageRevision.page_id == page_id,
            PageRevision.site_id == g.site.id,
        )
    )


@bp.route("/pages/<int:page_id>/revisions")
@requires(Permission.WRITE)
def revisions(page_id: int):
    page = editable_page(page_id)
    items = history.history(page)
    selected = None
    changes = []
    chosen = request.args.get("rev", type=int)
    if chosen is not None:
        selected = _revision(page.id, chosen)
        changes = history.diff(selected.body, page.body)
    authors = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_({r.author_id for r in items}))
        )
    }
    return render_template(
        "dash/revisions.html",
        site=g.site,
        page=page,
        items=items,
        selected=selected,
        changes=changes,
        authors=authors,
        action_form=ConfirmForm(),
    )


@bp.route("/pages/<int:page_id>/revisions/<int:revision_id>/restore", methods=["POST"])
@requires(Permission.WRITE)
def restore_revision(page_id: int, revision_id: int):
    page = editable_page(page_id)
    revision = _revision(page.id, revision_id)
    if not ConfirmForm().validate_on_submit():
        flash("This form has expired; try again.", "error")
        return redirect(url_for("dash.revisions", page_id=page.id))
    try:
        history.restore(g.site, page, revision, user_id())
        db.session.commit()
    except (PageError, SaveConflict) as error:
        db.session.rollback()
        flash(f"Could not restore: {error}", "error")
    else:
        flash(f"Restored the text from {when(revision.created_at)} ({user_zone().key}).", "success")
    return redirect(url_for("dash.edit_page", page_id=page.id, saved=1))
