"""HTTP caching for visitor responses: validators (ETag, Last-Modified), 304s that render
nothing, and a page cache shared by every app process.

The key of a cached page holds the site's content version, so a publish (which bumps it in the
same transaction) makes every process miss and render afresh: nothing is ever purged. A
scheduled post changes what visitors see without a write, so an entry also records when the
next scheduled item falls due and is not served after that moment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, NamedTuple

from flask import Flask, Response, current_app, g, make_response, request, session
from werkzeug.http import http_date, parse_date, parse_etags, quote_etag

from ..database import read_again_if_dropped
from ..extensions import cache
from ..models import Site
from ..models.common import utcnow
from .pages import site_outline

# Bumped when the shape of a cached entry changes, so old entries are simply never read.
ENTRY_FORMAT = 1


@dataclass
class CachedPage:
    body: bytes
    mimetype: str
    etag: str
    last_modified: datetime
    # Naive UTC moment the next scheduled item appears; the entry is stale from then on.
    valid_until: datetime | None


def listing_cursor() -> str:
    """The one query parameter visitor pages vary by: a listing's `?before=<post id>` cursor,
    when well-formed (a site has as many of those as posts, so the variants stay bounded)."""
    before = request.args.get("before", "")
    return before if before.isascii() and before.isdigit() and len(before) <= 18 else ""


def page_key(site: Site) -> str:
    """Host, path and content version decide the bytes; the theme is there too so that a
    theme switch is never served stale, even by code that forgot to bump the version."""
    version = f"{site.id}:{site.content_version}:{site.theme}"
    where = f"{request.host.lower()}:{request.path}?{listing_cursor()}"
    return f"page:{ENTRY_FORMAT}:{version}:{where}"


def make_etag(site: Site, due_marker: str) -> str:
    """Weak-free strong validator from what decides the bytes: version, theme, host, path, and
    which scheduled items are already out."""
    parts = (
        site.content_version,
        site.theme,
        request.host.lower(),
        request.path,
        listing_cursor(),
        due_marker,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def last_modified(site: Site, due_marker: str) -> datetime:
    latest_due = due_marker.partition(":")[2]
    moments = [m for m in (site.updated_at, site.created_at) if m is not None]
    if latest_due:
        moments.append(datetime.fromisoformat(latest_due))
    return max(moments).replace(microsecond=0)


def is_not_modified(etag: str, modified: datetime) -> bool:
    return request.method in ("GET", "HEAD") and answers_not_modified(
        request.headers.get("If-None-Match"),
        request.headers.get("If-Modified-Since"),
        etag,
        modified,
    )


def answers_not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, modified: datetime
) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since is only read without it."""
    if if_none_match:
        return parse_etags(if_none_match).contains_weak(etag)
    if if_modified_since:
        parsed = parse_date(if_modified_since)
        if parsed is not None:
            return modified.replace(tzinfo=UTC) <= parsed
    return False


def add_validators(response: Response, etag: str, modified: datetime) -> Response:
    config = current_app.config
    response.set_etag(etag)
    response.last_modified = modified.replace(tzinfo=UTC)
    response.cache_control.public = True
    response.cache_control.max_age = int(config["VISITOR_MAX_AGE"])
    response.cache_control.s_maxage = int(config["VISITOR_S_MAXAGE"])
    return response


def validator_headers(etag: str, modified: datetime) -> list[tuple[str, str]]:
    """What add_validators sets, as ready strings, for responses made here from scratch (a
    page-cache hit, a 304): werkzeug's ETag, date and Cache-Control objects cost more than
    the rest of a cache hit."""
    config = current_app.config
    return [
        ("ETag", quote_etag(etag)),
        ("Last-Modified", http_date(modified.replace(tzinfo=UTC))),
        (
            "Cache-Control",
            f"public, max-age={int(config['VISITOR_MAX_AGE'])}, "
            f"s-maxage={int(config['VISITOR_S_MAXAGE'])}",
        ),
    ]


def not_modified(etag: str, modified: datetime) -> Response:
    return Response(status=304, headers=validator_headers(etag, modified))


# The environ key under which a page-cache response offers itself to the front cache
# (sitemaker/front_cache.py), which keeps the finished response in this process.
FRONT_TICKET = "sitemaker.front_cache"


class FrontTicket(NamedTuple):
    name: str  # the host name the site-version board counts the page under
    tag: Hashable  # the board's counter the page was built under
    etag: str
    last_modified: datetime
    valid_until: float | None  # POSIX time the next scheduled item appears


def offer_to_front(etag: str, modified: datetime, valid_until: datetime | None) -> None:
    """Only GET responses built from data at least as new as the board's counter qualify
    (g.site_tag, set by tenancy.find_visitor_site); everything else stays in Flask."""
    tag = g.get("site_tag")
    if tag is None or request.method != "GET":
        return
    until = valid_until.replace(tzinfo=UTC).timestamp() if valid_until is not None else None
    request.environ[FRONT_TICKET] = FrontTicket(g.site_name, tag, etag, modified, until)


def serve_cached(view: Callable[..., Any], kwargs: dict[str, Any]) -> Response:
    site: Site = g.site
    now = utcnow()
    key = page_key(site)
    entry = _cache_call(cache.get, key)
    if isinstance(entry, CachedPage) and (entry.valid_until is None or now < entry.valid_until):
        g.page_cache = "hit"
        offer_to_front(entry.etag, entry.last_modified, entry.valid_until)
        if is_not_modified(entry.etag, entry.last_modified):
            return not_modified(entry.etag, entry.last_modified)
        headers = validator_headers(entry.etag, entry.last_modified)
        return Response(entry.body, mimetype=entry.mimetype, headers=headers)

    g.page_cache = "miss"
    outline = site_outline(site, now)
    due_marker, next_due = outline.due_marker, outline.next_due
    etag, modified = make_etag(site, due_marker), last_modified(site, due_marker)
    if is_not_modified(etag, modified):
        return not_modified(etag, modified)
    response = make_response(view(**kwargs))
    if response.status_code == 200 and not response.direct_passthrough:
        offer_to_front(etag, modified, next_due)
        _cache_call(
            cache.set,
            key,
            CachedPage(response.get_data(), response.mimetype, etag, modified, next_due),
            timeout=int(current_app.config.get("PAGE_CACHE_SECONDS", 3600)),
        )
        add_validators(response, etag, modified)
    return response


def _cache_call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A cache outage (Redis down) costs speed, never the page."""
    try:
        return method(*args, **kwargs)
    except Exception as error:  # redis.ConnectionError and friends
        current_app.logger.warning("page cache unavailable: %s", error)
        return None


def cached_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Decorate a visitor view whose output depends only on the site's content, the host and
    the path (never on the query string, cookies or the signed-in user)."""

    @wraps(view)
    def wrapper(**kwargs: Any) -> Response:
        return read_again_if_dropped(lambda: serve_cached(view, kwargs))

    return wrapper


def forget_session_reads(response: Response) -> Response:
    """A page-cache response is the same for everyone, but Flask-Login reads the session after
    every request, which makes Flask add `Vary: Cookie` and shared caches (CDNs, nginx) keep
    one copy per visitor or none. Unless the session was written, the cookie did not matter."""
    if g.get("page_cache") and not session.modified:
        session.accessed = False
    return response


def init_app(app: Flask) -> None:
    # First in the list, so it runs after every other after_request hook (they run reversed).
    app.after_request_funcs.setdefault(None, []).insert(0, forget_session_reads)
