"""Which tenant a request is for. The tenant comes from the route, nothing else."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, request

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
    if site is None:
        abort(404)
    g.site = site
    if not site.is_active:
        raise SiteGone(site)


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
