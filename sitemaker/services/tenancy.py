"""Which tenant a request is for. The tenant comes from the route, nothing else."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request
from sqlalchemy.orm import make_transient_to_detached

from ..database import read_again_if_dropped
from ..extensions import db
from ..models import Site
from . import site_versions
from .subdomains import could_be_subdomain


def tenant_name(subdomain: str) -> str | None:
    """The stored form of a subdomain (any letter case), or None for names that cannot be a
    tenant ('a.b' from a nested host, '<invalid>' from a foreign one): those need no query."""
    name = subdomain.lower()
    return name if could_be_subdomain(name) else None


def find_site(subdomain: str) -> Site | None:
    """The site for a subdomain in any letter case, or None."""
    name = tenant_name(subdomain)
    if name is None:
        return None
    return read_again_if_dropped(
        lambda: db.session.scalar(db.select(Site).where(Site.subdomain == name))
    )


# Every column of a site, read with Core: the ORM's per-row bookkeeping cost more than the query.
_SITE_ROW = sa.select(*Site.__table__.c).where(Site.__table__.c.subdomain == sa.bindparam("name"))
# Sites kept per process; a miss only costs one indexed query and building one object.
SNAPSHOTS_PER_PROCESS = 4096


class Snapshot(NamedTuple):
    tag: Hashable | None  # the site-version board's counter, read before the row was
    site: Site


def find_visitor_site(subdomain: str) -> Site | None:
    """find_site for visitor pages: a per-process snapshot (a detached Site) reused while the
    site-version board says its row is unchanged, else one indexed Core query. The board's
    counter for the name is read before the row, and every commit that changes the row moves
    it, so a publish, a suspension or a deletion made by any process is seen on the very next
    request.

    g.site_tag keeps that counter: everything this request reads is at least as new as it, so
    the page cache's front may keep the response under it. The snapshot is shared between
    requests: visitor code treats g.site as read-only (the dashboard loads its own object)."""
    name = tenant_name(subdomain)
    if name is None:
        return None
    tag = site_versions.board().read(name)
    snapshots: OrderedDict[str, Snapshot] = current_app.extensions.setdefault(
        "sitemaker.site_snapshots", OrderedDict()
    )
    known = snapshots.get(name)
    if known is not None and tag is not None and known.tag == tag:
        g.site_tag, g.site_name = tag, name
        return known.site
    # Autocommit: a visitor request only reads, and each statement already sees the latest
    # commit (READ COMMITTED), so the BEGIN before the first query and the ROLLBACK when the
    # connection goes back to the pool would be two round trips that buy nothing.
    row = read_again_if_dropped(
        lambda: (
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            .execute(_SITE_ROW, {"name": name})
            .first()
        )
    )
    if row is None:
        snapshots.pop(name, None)
        return None
    site = Site(**row._mapping)
    # Detached, not transient: a relationship read on it raises instead of quietly
    # returning nothing, and it can never be flushed back by accident.
    make_transient_to_detached(site)
    snapshots[name] = Snapshot(tag, site)
    snapshots.move_to_end(name)
    if len(snapshots) > SNAPSHOTS_PER_PROCESS:
        snapshots.popitem(last=False)
    g.site_tag, g.site_name = tag, name
    return site


class SiteGone(Exception):
    """A suspended or deleted site: visitors get 410 with an explanation."""

    def __init__(self, site: Site):
        self.site = site


def load_site(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """url_value_preprocessor for `site` and `dash`: put the tenant in g.site or 404/410."""
    subdomain = (values or {}).pop("site_subdomain", "")
    # The dashboard changes g.site, so it gets its own ORM object; visitors only read it.
    site = find_visitor_site(subdomain) if visitor_endpoint(endpoint) else find_site(subdomain)
    if site is None and subdomain == "<invalid>":  # a host outside SERVER_NAME
        site = custom_domain_site(endpoint)
    if site is None:
        abort(404)
    g.site = site
    if not site.is_active:
        raise SiteGone(site)
    if (
        site.domain_verified_at is not None
        and visitor_endpoint(endpoint)
        and not g.get("on_custom_domain")
    ):
        # One address per page for visitors and search engines: the verified domain.
        abort(redirect(_url_on(site.custom_domain), 301))


def visitor_endpoint(endpoint: str | None) -> bool:
    return bool(endpoint) and endpoint.startswith("site.")


def custom_domain_site(endpoint: str | None) -> Site | None:
    """The tenant whose verified custom domain is the request host. Its pages are served
    there; its www/apex partner redirects to it; the dashboard stays on the tenant subdomain
    (sessions are host-only)."""
    from .domains import build_urls_on_custom_domain, host_name, verified_site_for

    host = host_name(request.host)  # the name verified_site_for looks up, and bumps move
    tag = site_versions.board().read(host)  # before the row: see find_visitor_site
    site, canonical = verified_site_for(request.host)
    if site is None:
        return None
    g.site_tag, g.site_name = tag, host
    if not visitor_endpoint(endpoint):
        abort(redirect(_url_on(tenant_host(site)), 302))
    if not canonical:
        abort(redirect(_url_on(site.custom_domain), 301))
    g.on_custom_domain = True
    build_urls_on_custom_domain(site)
    return site


def _url_on(host: str | None) -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.scheme}://{host}{request.path}" + (f"?{query}" if query else "")


def add_site_subdomain(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults partner of load_site: url_for('site.page', slug=...) needs no subdomain."""
    site = g.get("site")
    if site is None or "site_subdomain" in values:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "site_subdomain"):
        values["site_subdomain"] = site.subdomain


def tenant_host(site: Site) -> str:
    return f"{site.subdomain}.{current_app.config['SERVER_NAME']}"


def is_apex_request() -> bool:
    return request.host.lower() == str(current_app.config["SERVER_NAME"]).lower()
