"""Ways through a site besides its menu: tags, the archive, and search."""

from __future__ import annotations

from datetime import datetime

import limits
from flask import Response, abort, current_app, g, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from ..models.common import utcnow
from ..services import listing, search, tags
from ..services.http_cache import cached_page
from ..services.pages import site_outline
from . import bp
from .feeds import atom_feed
from .theming import render_theme
from .views import blog_index

SEARCH_PER_PAGE = 10


@bp.route("/tag/<slug>")
@cached_page
def tag(slug: str):
    now = utcnow()
    name = _visible_tag_name(slug, now)
    return blog_index(now, "site.tag", {"slug": slug}, tag=slug, tag_name=name)


@bp.route("/tag/<slug>/feed.xml")
@cached_page
def tag_feed(slug: str):
    name = _visible_tag_name(slug, utcnow())
    return Response(atom_feed(g.site, tag=slug, tag_name=name), mimetype="application/atom+xml")


def _visible_tag_name(slug: str, now: datetime) -> str:
    """The tag's name as readers know it; a tag on no page they can see is not found."""
    name = tags.visible_tag_name(g.site.id, slug, now)
    if name is None:
        abort(404)
    return name


@bp.route("/tags")
@cached_page
def tag_list():
    now = utcnow()
    return render_theme(
        "tags.html", tags=tags.tag_counts(g.site.id, now), nav=site_outline(g.site, now).nav
    )


@bp.route("/archive")
@cached_page
def archive():
    now = utcnow()
    months, pages = listing.archive(g.site.id, now)
    return render_theme(
        "archive.html", months=months, pages=pages, nav=site_outline(g.site, now).nav
    )


@bp.route("/search")
def search_page():
    """Not kept in any cache: every query is a new address, and a flood of them must not push
    real pages out. A limit per client address keeps the database's share bounded instead."""
    _limit_searches()
    now = utcnow()
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    results = search.search(g.site.id, request.args.get("q"), number, SEARCH_PER_PAGE, now)
    html = render_theme(
        "search.html", results=results, noindex=True, nav=site_outline(g.site, now).nav
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _limit_searches() -> None:
    """RATELIMIT_SEARCH per client address, in the limiter's storage (Redis when configured,
    so every process counts together). The site blueprint is exempt from Flask-Limiter's
    automatic limits, so this one is applied here, by hand, on this view alone."""
    configured = current_app.config.get("RATELIMIT_SEARCH") or "30 per minute"
    key = f"search:{get_remote_address()}"
    try:
        allowed = all(limiter.limiter.hit(item, key) for item in limits.parse_many(configured))
    except Exception as error:  # a Redis outage costs the limit, never the page
        current_app.logger.warning("search rate limit unavailable: %s", error)
        return
    if not allowed:
        abort(429, description="Too many searches from your address; wait a minute.")
