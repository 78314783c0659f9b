"""Pages and posts: one model with a `kind`; the list, the editor, publishing and trashing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Page, User
from ..models.common import utcnow
from ..services import quotas, revisions, trash
from ..services.markdown import render_markdown, word_count
from ..services.pages import (
    PageError,
    SaveConflict,
    check_input,
    create_page,
    max_body_chars,
    save_page,
    set_home,
    set_status,
    unique_slug,
)
from ..services.permissions import Permission, can, requires
from . import bp, page_extras
from .access import can_edit, editable_page, site_page, user_id
from .clock import local_schedule, schedule_in_utc, show_schedule
from .forms import ConfirmForm, PageForm

KINDS = {"page": "Pages", "post": "Posts"}
FILTERS = ("all", "draft", "published", "scheduled")


def _kind(value: str | None) -> str:
    return value if value in KINDS else "page"


@bp.route("/pages")
@requires(Permission.WRITE)
def pages():
    kind = _kind(request.args.get("kind"))
    shown = request.args.get("status") if request.args.get("status") in FILTERS else "all"
    query = sa.select(Page).where(
        Page.site_id == g.site.id, Page.kind == kind, Page.deleted_at.is_(None)
    )
    now = utcnow()
    if shown == "draft":
        query = query.where(Page.status == "draft")
    elif shown == "published":
        query = query.where(Page.status == "published", Page.published_at <= now)
    elif shown == "scheduled":
        query = query.where(Page.status == "published", Page.published_at > now)
    search = (request.args.get("q") or "").replace("\x00", "").strip()[:100]
    if search:
        query = query.where(Page.title.ilike(f"%{search}%"))
    # Posts by date, unpublished drafts (no date yet) on top on both databases.
    order = Page.published_at.desc().nulls_first() if kind == "post" else Page.updated_at.desc()
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    listing = db.paginate(
        query.order_by(order, Page.id.desc()), page=number, per_page=25, error_out=False
    )
    authors = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_({p.author_id for p in listing.items}))
        )
    }
    return render_template(
        "dash/pages.html",
        site=g.site,
        kind=kind,
        kinds=KINDS,
        shown=shown,
        filters=FILTERS,
        search=search,
        listing=listing,
        authors=authors,
        now=now,
        can_edit=can_edit,
        action_form=ConfirmForm(),
    )


def _refuse_unless_publisher(
    form: PageForm, page: Page | None, published_at: datetime | None
) -> None:
    """Authors write drafts; publishing or scheduling needs PUBLISH, whatever the form says."""
    if can(Permission.PUBLISH):
        return
    was = page.published_at if page else None
    if form.status.data != "draft" or (published_at and published_at != was):
        abort(403)


def _preview(form: PageForm, page: Page | None, fresh: bool) -> str:
    """The preview pane's first content: the saved HTML, or the text being edited rendered the
    way the site will render it (after a conflict, a refused save, a recovered autosave)."""
    if fresh and page is not None:
        return page.html
    body = form.body.data or ""
    return render_markdown(body) if len(body) <= max_body_chars() else ""


def _field_error(form: PageForm, error: PageError) -> None:
    getattr(form, error.field).errors = [*getattr(form, error.field).errors, error.message]


@bp.route("/pages/new", methods=["GET", "POST"])
@requires(Permission.WRITE)
def new_page():
    kind = _kind(request.values.get("kind"))
    form = PageForm(version=0)
    page_extras.prepare(form, None, False)
    status = 200
    if form.is_submitted():
        status = 422
    if form.validate_on_submit():
        try:
            published_at = schedule_in_utc(form, None)
            _refuse_unless_publisher(form, None, published_at)
            _check_room()
            slug = form.slug.data or unique_slug(g.site.id, form.title.data)
            check_input(g.site.id, title=form.title.data, body=form.body.data, slug=slug)
            page = create_page(
                g.site,
                form.title.data,
                form.body.data,
                slug=slug,
                kind=kind,
                status=form.status.data,
                author=db.session.get(User, user_id()) if user_id() else None,
                description=form.description.data or "",
                published_at=published_at,
            )
            if kind == "page" and can(Permission.PUBLISH) and form.is_home.data:
                set_home(g.site, page, True)
            page_extras.apply(form, page)
            db.session.commit()
        except PageError as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:
            db.session.rollback()
            form.slug.errors = ["That slug was just taken; choose another."]
        else:
            flash(f"{kind.title()} created.", "success")
            return redirect(url_for("dash.edit_page", page_id=page.id))
    show_schedule(form)
    return render_template(
        "dash/editor.html",
        site=g.site,
        form=form,
        page=None,
        kind=kind,
        preview=_preview(form, None, False),
        words=word_count(form.body.data or ""),
    ), status


def _check_room() -> None:
    if quotas.pages_used(g.site.id) >= quotas.max_pages(g.site):
        raise PageError(
            "title", f"This site has reached its limit of {quotas.max_pages(g.site)} pages."
        )


@bp.route("/pages/<int:page_id>/edit", methods=["GET", "POST"])
@requires(Permission.WRITE)
def edit_page(page_id: int):
    page = editable_page(page_id)
    form = PageForm(obj=page)
    page_extras.prepare(form, page, request.method == "GET")
    autosaved = None
    conflict = None
    status = 200
    if request.method == "GET":
        form.published_at.data = local_schedule(page.published_at)
        autosaved = revisions.pending_autosave(page, user_id())
        if autosaved is not None and not request.args.get("saved"):
            form.title.data, form.body.data = autosaved.title, autosaved.body
            # Saving it must conflict if someone saved after it was typed.
            form.version.data = autosaved.page_version
    elif form.validate_on_submit():
        try:
            published_at = schedule_in_utc(form, page.published_at)
            _refuse_unless_publisher(form, page, published_at)
            save_page(
                g.site,
                page,
                expected_version=form.version.data,
                title=form.title.data,
                body=form.body.data or "",
                slug=form.slug.data,
                description=form.description.data or "",
                status=form.status.data,
                published_at=published_at,
                author_id=user_id(),
            )
            if page.kind == "page" and can(Permission.PUBLISH):
                set_home(g.site, page, bool(form.is_home.data))
            page_extras.apply(form, page)
            db.session.commit()
        except PageError as error:
            db.session.rollback()
            _field_error(form, error)
            status = 422
        except SaveConflict:
            db.session.commit()  # keeps the user's text as a "conflict" revision
            conflict = {"theirs": page, "diff": revisions.diff(page.body, form.body.data or "")}
            # Saving again now is a deliberate overwrite.
            form.version.data, form.version.raw_data = page.version, [str(page.version)]
            status = 409
        except IntegrityError:
            db.session.rollback()
            form.slug.errors = ["That slug was just taken; choose another."]
            status = 422
        else:
            flash("Saved.", "success")
            return redirect(url_for("dash.edit_page", page_id=page.id, saved=1))
    else:
        status = 422
    show_schedule(form)
    return render_template(
        "dash/editor.html",
        site=g.site,
        form=form,
        page=page,
        kind=page.kind,
        autosaved=autosaved,
        conflict=conflict,
        preview=_preview(form, page, request.method == "GET" and autosaved is None),
        words=word_count(form.body.data or ""),
        action_form=ConfirmForm(),
    ), status


@bp.route("/pages/<int:page_id>/publish", methods=["POST"])
@requires(Permission.PUBLISH)
def publish_page(page_id: int):
    page = site_page(page_id)
    if ConfirmForm().validate_on_submit():
        set_status(g.site, page, "published")
        db.session.commit()
        flash(f"“{page.title}” is published.", "success")
    return redirect(request.referrer or url_for("dash.pages", kind=page.kind))


@bp.route("/pages/<int:page_id>/unpublish", methods=["POST"])
@requires(Permission.PUBLISH)
def unpublish_page(page_id: int):
    page = site_page(page_id)
    if ConfirmForm().validate_on_submit():
        set_status(g.site, page, "draft")
        db.session.commit()
        flash(f"“{page.title}” is a draft again; visitors no longer see it.", "success")
    return redirect(request.referrer or url_for("dash.pages", kind=page.kind))


@bp.route("/pages/<int:page_id>/trash", methods=["POST"])
@requires(Permission.WRITE)
def trash_page(page_id: int):
    page = editable_page(page_id)
    if page.status == "published" and not can(Permission.PUBLISH):
        abort(403)
    if ConfirmForm().validate_on_submit():
        trash.trash(g.site, page)
        db.session.commit()
        flash(f"“{page.title}” is in the trash. You can restore it from there.", "success")
    return redirect(url_for("dash.pages", kind=page.kind))
