"""Visitor pages. Everything here is read-only, scoped by g.site, and served through the page
cache (services.http_cache), so a repeat visit costs one site lookup."""

from __future__ import annotations

from flask import Response, abort, current_app, g, redirect, request

from ..extensions import db
from ..models.common import utcnow
from ..services.http_cache import cached_page
from ..services.pages import HOME_PAGE, PAGE_BY_SLUG, RECENT, site_outline
from ..services.themes import favicon_url
from . import bp
from .feeds import atom_feed, robots_txt, sitemap_xml
from .theming import render_theme

# A year: asset URLs carry a content hash or version, so a changed file has a new address.
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.route("/")
@cached_page
def index():
    site, now = g.site, utcnow()
    home = db.session.execute(HOME_PAGE, {"site_id": site.id, "now": now}).first()
    if home is not None:
        return render_theme("page.html", page=home, nav=site_outline(site, now).nav)
    items = db.session.execute(RECENT, {"site_id": site.id, "now": now}).all()
    return render_theme("index.html", items=items, nav=site_outline(site, now).nav)


@bp.route("/<slug>")
@cached_page
def page(slug: str):
    now = utcnow()
    item = db.session.execute(
        PAGE_BY_SLUG, {"site_id": g.site.id, "now": now, "slug": slug}
    ).first()
    if item is None:
        abort(404)
    return render_theme("page.html", page=item, nav=site_outline(g.site, now).nav)


@bp.route("/feed.xml")
@cached_page
def feed():
    return Response(atom_feed(g.site), mimetype="application/atom+xml")


@bp.route("/sitemap.xml")
@cached_page
def sitemap():
    return Response(sitemap_xml(g.site), mimetype="application/xml")


@bp.route("/robots.txt")
@cached_page
def robots():
    return Response(robots_txt(g.site), mimetype="text/plain")


@bp.route("/custom.css")
def custom_css():
    """The tenant's own CSS, linked after the theme's (never inlined: the CSP forbids inline
    styles and a stylesheet cannot run script). The link carries ?v=<content_version>."""
    response = _custom_css()
    if response.status_code == 200 and request.args.get("v") == str(g.site.content_version):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


@cached_page
def _custom_css():
    return Response(g.site.custom_css or "", mimetype="text/css")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; send them to the real icon."""
    response = redirect(favicon_url(g.site), 302)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["VISITOR_MAX_AGE"])
    return response
