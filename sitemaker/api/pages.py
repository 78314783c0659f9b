"""Pages and posts over the API, through the same services the dashboard's editor uses."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Page, PageRevision
from ..models.common import utcnow
from ..services import quotas, trash
from ..services.pages import (
    PageError,
    SaveConflict,
    check_input,
    create_page,
    max_body_chars,
    save_page,
    set_status,
    slug_error,
    unique_slug,
)
from ..services.permissions import Permission, can
from ..services.tags import MAX_TAG_CHARS, MAX_TAGS, parse_tags, set_tags, tag_slug, tags_of
from . import bp, inputs
from .auth import require_scope, requires, user_id
from .errors import ApiError, bad_field
from .serialize import listing, page_detail, page_summary, revision

KINDS = ("page", "post")
STATUSES = ("draft", "published")
FILTERS = ("draft", "published", "scheduled")
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
CREATE_FIELDS = {"title", "body", "slug", "description", "kind", "status", "published_at"}
UPDATE_FIELDS = {"version", "title", "body", "slug", "description", "status", "published_at"}
CREATE_FIELDS |= {"tags"}
UPDATE_FIELDS |= {"tags"}
# What a visitor of a published page sees; changing any of it needs `pages:publish`.
VISIBLE_FIELDS = ("title", "body", "slug", "description")


def site_page(page_id: int, *, trashed: bool = False) -> Page:
    """A page of this site, or 404: another site's id looks exactly like a missing one."""
    if page_id > inputs.MAX_INT:
        raise ApiError(404, "There is no such page on this site.")
    deleted = Page.deleted_at.is_not(None) if trashed else Page.deleted_at.is_(None)
    page = db.session.scalar(
        sa.select(Page).where(Page.id == page_id, Page.site_id == g.site.id, deleted)
    )
    if page is None:
        raise ApiError(404, "There is no such page on this site.")
    return page


def can_edit(page: Page) -> bool:
    """The dashboard's rule: editors edit anything; authors only their own drafts."""
    if can(Permission.EDIT_ANY):
        return True
    return can(Permission.WRITE) and page.author_id == user_id() and page.status == "draft"


def editable_page(page_id: int) -> Page:
    page = site_page(page_id)
    if not can_edit(page):
        raise ApiError(403, "Your role lets you change only your own drafts.")
    return page


def require_publisher() -> None:
    require_scope("pages:publish")
    if not can(Permission.PUBLISH):
        raise ApiError(403, "Your role does not allow publishing.")


def pagination() -> tuple[int, int]:
    return (
        inputs.query_int("page", 1, 1, MAX_PAGE),
        inputs.query_int("per_page", 20, 1, MAX_PER_PAGE),
    )


@bp.route("/pages")
@requires("pages:read")
def list_pages():
    number, per_page = pagination()
    kind = inputs.query_choice("kind", KINDS)
    shown = inputs.query_choice("status", FILTERS)
    query = sa.select(Page).where(Page.site_id == g.site.id, Page.deleted_at.is_(None))
    if kind:
        query = query.where(Page.kind == kind)
    now = utcnow()
    if shown == "draft":
        query = query.where(Page.status == "draft")
    elif shown == "published":
        query = query.where(Page.status == "published", Page.published_at <= now)
    elif shown == "scheduled":
        query = query.where(Page.status == "published", Page.published_at > now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Page.updated_at.desc(), Page.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return jsonify(listing([page_summary(p) for p in items], number, per_page, total))


@bp.route("/pages", methods=["POST"])
@requires("pages:write")
def create():
    data = inputs.json_object(CREATE_FIELDS, required={"title"})
    fields = _fields(data, defaults={"body": "", "slug": "", "description": ""})
    tags = _tags(data)
    kind = inputs.choice(data, "kind", KINDS, "page")
    status = inputs.choice(data, "status", STATUSES, "draft")
    published_at = inputs.moment(data, "published_at")
    if status != "draft" or published_at is not None:
        require_publisher()
    if quotas.pages_used(g.site.id) >= quotas.max_pages(g.site):
        raise ApiError(
            409, f"This site has reached its limit of {quotas.max_pages(g.site)} pages.",
            error="quota_exceeded",
        )  # fmt: skip
    slug = fields["slug"] or unique_slug(g.site.id, fields["title"])
    _check(
        lambda: check_input(g.site.id, title=fields["title"], body=fields["body"], slug=slug),
        slug,
    )
    # Two requests may pass the slug check at once; the loser's flush meets the unique index.
    page = _slug_race(lambda: create_page(
        g.site, fields["title"], fields["body"], slug=slug, kind=kind, status=status,
        author=g.api_user, description=fields["description"], published_at=published_at,
    ))  # fmt: skip
    if tags is not None:
        set_tags(g.site, page, tags)
    _commit()
    response = jsonify(page_detail(page))
    response.headers["Location"] = url_for("api.get_page", page_id=page.id, _external=True)
    return response, 201


@bp.route("/pages/<int:page_id>")
@requires("pages:read")
def get_page(page_id: int):
    page = site_page(page_id)
    if not can_edit(page) and not page.is_visible(utcnow()):
        raise ApiError(403, "Your role lets you read only your own drafts and published pages.")
    return jsonify(page_detail(page))


@bp.route("/pages/<int:page_id>", methods=["PATCH"])
@requires("pages:write")
def update(page_id: int):
    data = inputs.json_object(UPDATE_FIELDS, required={"version"})
    version = inputs.integer(data, "version")
    page = editable_page(page_id)
    fields = _fields(
        data, defaults={"title": page.title, "body": page.body, "slug": page.slug,
                        "description": page.description},
    )  # fmt: skip
    tags = _tags(data)
    status = inputs.choice(data, "status", STATUSES, page.status)
    published_at = (
        inputs.moment(data, "published_at") if "published_at" in data else page.published_at
    )
    if status != page.status or published_at != page.published_at:
        require_publisher()
    if page.status == "published" and any(
        fields[name] != getattr(page, name) for name in VISIBLE_FIELDS
    ):
        # What visitors read changes: the same power as publishing (and as trashing it).
        require_publisher()
    if (
        page.status == "published"
        and tags is not None
        and dict(parse_tags(tags)) != {tag.slug: tag.name for tag in tags_of(page.id)}
    ):
        require_publisher()  # the tags are shown on the page and list it under /tag/<slug>
    try:
        _slug_race(lambda: _check(
            lambda: save_page(
                g.site,
                page,
                expected_version=version,
                title=fields["title"],
                body=fields["body"],
                slug=fields["slug"],
                description=fields["description"],
                status=status,
                published_at=published_at,
                author_id=user_id(),
            ),
            fields["slug"],
        ))  # fmt: skip
    except SaveConflict as conflict:
        current = conflict.page.version
        db.session.commit()  # keeps the losing text as a "conflict" revision
        raise ApiError(
            409, f"The page changed since version {version}; it is at version {current} now. "
            "Your text was kept in its revisions. Fetch the page, merge, and send the current version.",
            error="version_conflict", current_version=current,
        ) from None  # fmt: skip
    if tags is not None:
        set_tags(g.site, page, tags)
    _commit()
    return jsonify(page_detail(page))


@bp.route("/pages/<int:page_id>", methods=["DELETE"])
@requires("pages:write")
def delete(page_id: int):
    """To the trash, where the dashboard can restore it from."""
    page = editable_page(page_id)
    if page.status == "published":
        require_publisher()
    trash.trash(g.site, page)
    _commit()
    return "", 204


@bp.route("/pages/<int:page_id>/publish", methods=["POST"])
@requires("pages:publish")
def publish(page_id: int):
    """Publish now, or at `published_at` (a JSON body is optional)."""
    published_at = None
    if request.content_length or request.is_json:
        published_at = inputs.moment(inputs.json_object({"published_at"}), "published_at")
    page = site_page(page_id)
    set_status(g.site, page, "published", published_at)
    _commit()
    db.session.refresh(page)
    return jsonify(page_detail(page))


@bp.route("/pages/<int:page_id>/revisions")
@requires("pages:read")
def revisions(page_id: int):
    page = editable_page(page_id)
    number, per_page = pagination()
    query = sa.select(PageRevision).where(
        PageRevision.page_id == page.id, PageRevision.site_id == g.site.id
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(PageRevision.created_at.desc(), PageRevision.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return jsonify(listing([revision(r) for r in items], number, per_page, total))


def _tags(data: dict) -> list[str] | None:
    """`tags`: a list of names (None when absent), checked before anything is saved. A name
    with no letter or digit has no address (/tag/<slug>), so it is left out, not refused:
    the API takes every list its description allows."""
    if "tags" not in data:
        return None
    value = data["tags"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_field("tags", "'tags' must be a list of strings.")
    if len(value) > MAX_TAGS:
        raise bad_field(
            "tags", f"A page can have up to {MAX_TAGS} tags; this list has {len(value)}."
        )
    names = [inputs.storable("tags", v, MAX_TAG_CHARS) for v in value]
    return [name for name in names if tag_slug(name)]


def _fields(data: dict, defaults: dict[str, str]) -> dict[str, str]:
    """title, body, slug and description, checked for type, length and storability."""
    fields = {
        "title": inputs.text(data, "title", 200, defaults.get("title")).strip(),
        "body": inputs.text(data, "body", max_body_chars(), defaults["body"]),
        "slug": inputs.text(data, "slug", 100, defaults["slug"]),
        "description": inputs.text(data, "description", 300, defaults["description"]).strip(),
    }
    if not fields["title"]:
        raise bad_field("title", "Give the page a title.")
    return fields


def _check(action, slug: str):
    """Run a service call, turning its PageError into a 400 for the field, or a 409 when the
    slug is well-formed but already taken (a conflict with another page, not bad input)."""
    try:
        return action()
    except PageError as error:
        if error.field == "slug" and slug and slug_error(slug) is None:
            raise ApiError(409, error.message, error="slug_taken", field="slug") from None
        raise bad_field(error.field, error.message) from None


def _slug_taken() -> ApiError:
    db.session.rollback()
    return ApiError(409, "That slug was just taken; choose another.", error="slug_taken",
                    field="slug")  # fmt: skip


def _slug_race(action):
    """Run a call that flushes a page: a unique violation there is the slug race, a 409."""
    try:
        return action()
    except IntegrityError:
        raise _slug_taken() from None


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        raise _slug_taken() from None
