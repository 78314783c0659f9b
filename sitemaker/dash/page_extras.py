"""What the editor adds to a page besides its text: tags, the link-preview image and the
page's own language."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Media, Page
from ..services.tags import set_tags, tag_names
from .forms import PageForm


def prepare(form: PageForm, page: Page | None, fresh: bool) -> None:
    """The preview-image choices (this site's images) and, on a fresh form, the saved tags."""
    images = db.session.execute(
        sa.select(Media.stored_name, Media.original_name)
        .where(Media.site_id == g.site.id, Media.content_type.startswith("image/"))
        .order_by(Media.created_at.desc())
    ).all()
    form.social_image.choices = [form.social_image.choices[0]] + [
        SelectChoice(row.stored_name, row.original_name) for row in images
    ]
    if fresh and page is not None:
        form.tags.data = ", ".join(tag_names(page.id))
        form.social_image.data = page.social_image or ""


def apply(form: PageForm, page: Page) -> None:
    """Save the tags and preview image from the form (PageError on bad tags). The caller
    commits; a visible page's change bumps the site's content version."""
    set_tags(g.site, page, form.tags.data or "")
    language = form.language.data or None
    if language != page.language:
        page.language = language
        if page.status == "published":
            g.site.bump_content_version()
    picked = form.social_image.data or None
    if picked not in {choice.value for choice in form.social_image.choices}:
        picked = None  # not an image of this site (any more)
    if picked != page.social_image:
        page.social_image = picked
        if page.status == "published":
            g.site.bump_content_version()
