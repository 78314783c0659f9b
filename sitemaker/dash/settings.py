"""Site settings: title, tagline, description, theme, indexing, custom CSS, favicon."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Media
from ..services.permissions import Permission, requires
from ..services.themes import available_themes
from . import bp
from .forms import SettingsForm


def _images() -> list[Media]:
    return list(
        db.session.scalars(
            sa.select(Media)
            .where(Media.site_id == g.site.id, Media.content_type.startswith("image/"))
            .order_by(Media.created_at.desc())
        )
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires(Permission.SETTINGS)
def settings():
    site = g.site
    form = SettingsForm(obj=site)
    form.theme.choices = [SelectChoice(n, n.replace("-", " ").title()) for n in available_themes()]
    images = _images()
    form.favicon.choices = [SelectChoice("", "None")] + [
        SelectChoice(m.stored_name, m.original_name) for m in images
    ]
    form.social_image.choices = list(form.favicon.choices)
    if form.is_submitted() and "favicon" not in request.form:
        # Without images the page has no favicon select, so there is none to keep.
        form.favicon.data = ""
    if form.is_submitted() and "social_image" not in request.form:
        form.social_image.data = ""
    if form.validate_on_submit():
        site.title = form.title.data
        site.tagline = form.tagline.data or ""
        site.description = form.description.data or ""
        site.theme = form.theme.data
        site.noindex = form.noindex.data
        site.custom_css = form.custom_css.data or ""
        site.favicon = form.favicon.data or None
        site.language = form.language.data
        site.posts_per_page = form.posts_per_page.data
        site.blog_path = form.blog_path.data
        site.social_image = form.social_image.data or None
        site.bump_content_version()
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("dash.settings"))
    return render_template("dash/settings.html", site=site, form=form, images=images), (
        422 if form.is_submitted() else 200
    )
