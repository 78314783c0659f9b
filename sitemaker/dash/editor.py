"""The editor's JSON endpoints: live preview and autosave. CSRF arrives in X-CSRFToken."""

from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for

from ..extensions import db
from ..models import User
from ..services import quotas, revisions
from ..services.markdown import word_count
from ..services.pages import PageError, create_page, max_body_chars, unique_slug
from ..services.permissions import Permission, requires
from ..services.render_budget import TooMuchToRender, render_within
from . import bp
from .access import editable_page, user_id


def _json_fields(*names: str) -> dict[str, str] | tuple:
    """The named string fields of a JSON object body, or a 400 response saying what is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="bad_request", message="Send a JSON object."), 400
    values = {}
    for name in names:
        value = data.get(name, "")
        if not isinstance(value, str):
            return jsonify(error="bad_request", message=f"'{name}' must be a string."), 400
        values[name] = value.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    if len(values.get("body", "")) > max_body_chars():
        message = f"The text is too long; the limit is {max_body_chars():,} characters."
        return jsonify(error="too_large", message=message), 413
    return values


@bp.route("/preview", methods=["POST"])
@requires(Permission.WRITE)
def preview():
    """The same renderer and sanitizer the site uses, so the preview is what visitors get."""
    fields = _json_fields("body")
    if isinstance(fields, tuple):
        return fields
    try:
        html = render_within(fields["body"], current_app.config["PREVIEW_RENDER_SECONDS"])
    except TooMuchToRender:
        message = "This text takes too long to preview; it is shown when you save."
        return jsonify(error="too_large", message=message), 413
    return jsonify(html=html, words=word_count(fields["body"]))


@bp.route("/pages/autosave", methods=["POST"], defaults={"page_id": None})
@bp.route("/pages/<int:page_id>/autosave", methods=["POST"])
@requires(Permission.WRITE)
def autosave(page_id: int | None):
    """Keep what is being typed. For a brand-new page the first autosave creates the draft,
    and the answer tells the editor where that draft now lives."""
    # Load, then check, then act: another site's page id is a 404 whatever the body says.
    page = editable_page(page_id) if page_id is not None else None
    fields = _json_fields("title", "body", "kind")
    if isinstance(fields, tuple):
        return fields
    title = fields["title"].strip()[:200]
    if page is None:
        if quotas.pages_used(g.site.id) >= quotas.max_pages(g.site):
            return jsonify(error="quota", message="This site has reached its page limit."), 409
        author = db.session.get(User, user_id()) if user_id() else None
        page = create_page(
            g.site,
            title or "Untitled",
            fields["body"],
            slug=unique_slug(g.site.id, title or "untitled"),
            kind=fields["kind"] if fields["kind"] in ("page", "post") else "page",
            author=author,
        )
        saved_at = page.created_at
    else:
        try:
            saved_at = revisions.autosave(
                page, user_id(), title or page.title, fields["body"]
            ).created_at
        except PageError as error:
            return jsonify(error="bad_request", message=error.message), 400
    db.session.commit()
    return jsonify(
        page_id=page.id,
        version=page.version,
        slug=page.slug,
        saved_at=saved_at.isoformat(timespec="seconds") + "Z",
        edit_url=url_for("dash.edit_page", page_id=page.id),
        autosave_url=url_for("dash.autosave", page_id=page.id),
    )
