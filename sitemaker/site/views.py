"""Visitor pages. Everything here is read-only, scoped by g.site, and served through the page
cache (services.http_cache), so a repeat visit costs one site lookup."""

from __future__ import annotations

from flask import Response, abort, current_app, g, redirect, request, url_for

from ..extensions import db
from ..models.common import utcnow
from ..services import listing, slug_redirects
from ..services.domains import site_url
from ..services.http_cache import cached_page
from ..services.importers import links as imported_links
from ..services.pages import HOME_PAGE, PAGE_BY_SLUG, site_outline
from ..services.tags import shown_tags
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
        return _render_page(home, now)
    return blog_index(now, "site.index", {})


@bp.route("/<slug>")
@cached_page
def page(slug: str):
    site, now = g.site, utcnow()
    item = db.session.execute(PAGE_BY_SLUG, {"site_id": site.id, "now": now, "slug": slug}).first()
    if item is not None:
        return _render_page(item, now)
    if slug == site.blog_path:
        # The blog index's own address, for sites whose front page is a home page.
        if db.session.execute(HOME_PAGE, {"site_id": site.id, "now": now}).first() is None:
            return redirect(url_for("site.index", before=request.args.get("before")), 301)
        return blog_index(now, "site.page", {"slug": slug})
    moved = slug_redirects.target(site.id, slug, now)
    if moved is not None:
        new_slug, is_home = moved
        return redirect("/" if is_home else url_for("site.page", slug=new_slug), 301)
    return _imported_or_404(slug)


@bp.before_request
def _old_query_links():
    """WordPress's /?p=123 links of imported pages. Before the view: the page cache keys on
    the path alone, so the cached front page would answer them otherwise."""
    if request.endpoint == "site.index" and request.args:
        key = imported_links.query_key(request.args)
        if key is not None:
            return _imported_or_404(key, missing=None)
    return None


@bp.route("/<old_path:old_path>")
def imported_path(old_path: str):
    """Any other address: an imported page's old one (/2019/05/hello-world/), or a 404. A
    page's own address with a trailing slash leads to the page itself, before any old one."""
    bare = old_path.strip("/")
    if bare and "/" not in bare:
        params = {"site_id": g.site.id, "now": utcnow(), "slug": bare}
        if db.session.execute(PAGE_BY_SLUG, params).first() is not None:
            return redirect(url_for("site.page", slug=bare), 301)
    return _imported_or_404(old_path)


def _imported_or_404(key: str, missing: int | None = 404):
    moved = imported_links.target(g.site.id, key, utcnow())
    if moved is not None:
        new_slug, is_home = moved
        return redirect("/" if is_home else url_for("site.page", slug=new_slug), 301)
    if missing is not None:
        abort(missing)
    return None


def _render_page(item, now) -> str:
    return render_theme(
        "page.html", page=item, tags=shown_tags(item.tag_list), nav=site_outline(g.site, now).nav
    )


def cursor_or_400() -> int | None:
    try:
        return listing.parse_cursor(request.args.get("before"))
    except ValueError as error:
        abort(400, description=str(error))


def blog_index(now, endpoint: str, values: dict, tag=None, tag_name: str | None = None) -> str:
    """A page of posts (or of one tag's pages), newest first, with older/newer links."""
    site = g.site
    before = cursor_or_400()
    page = listing.posts_page(site.id, now, site.posts_per_page, before, tag)
    if before is not None and not page.items:
        abort(404, description="This page of the list is gone; start again from the first.")
    older = url_for(endpoint, before=page.older, **values) if page.older else None
    if page.newer is True:
        newer = url_for(endpoint, **values)
    else:
        newer = url_for(endpoint, before=page.newer, **values) if page.newer else None
    here = url_for(endpoint, before=before, **values)
    return render_theme(
        "index.html",
        items=page.items,
        older=older,
        newer=newer,
        tag=tag,
        tag_name=tag_name,
        canonical=site_url(site, here),
        nav=site_outline(site, now).nav,
    )


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
