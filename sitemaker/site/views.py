"""Visitor pages. Everything here is read-only and scoped by g.site."""

from flask import abort, g

from ..extensions import db
from ..models import Page
from ..services.pages import navigation, visible
from . import bp
from .theming import render_theme


@bp.route("/")
def index():
    site = g.site
    home = db.session.scalar(visible(site.id).where(Page.is_home).limit(1))
    if home is not None:
        return render_theme("page.html", page=home, nav=navigation(site))
    items = db.session.scalars(
        visible(site.id).order_by(Page.published_at.desc(), Page.id.desc()).limit(50)
    ).all()
    return render_theme("index.html", items=items, nav=navigation(site))


@bp.route("/<slug>")
def page(slug: str):
    item = db.session.scalar(visible(g.site.id).where(Page.slug == slug))
    if item is None:
        abort(404)
    return render_theme("page.html", page=item, nav=navigation(g.site))
