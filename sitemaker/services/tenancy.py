"""Which tenant a request is for. The tenant comes from the route, nothing else."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, redirect, request

from ..extensions import db
from ..models import Site
from .subdomains import could_be_subdomain


def find_site(subdomain: str) -> Site | None:
    """The site for a subdomain in any letter case, or None. Does no query for names that
    cannot be a tenant ('a.b' from a nested host, '<invalid>' from a foreign one)."""
    name = subdomain.lower()
    if not could_be_subdomain(name):
        return None
    return db.session.scalar(db.select(Site).where(Site.subdomain == name))


class SiteGone(Exception):
    """A suspended or deleted site: visitors get 410 with an explanation."""

    def __init__(self, site: Site):
        self.site = site


def load_site(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """url_value_preprocessor for `site` and `dash`: put the tenant in g.site or 404/410."""
    subdomain = (values or {}).pop("site_subdomain", "")
    site = find_site(subdomain)
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
    from .domains import build_urls_on_custom_domain, verified_site_for

    site, canonical = verified_site_for(request.host)
    if site is None:
        return None
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
