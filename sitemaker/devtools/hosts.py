"""A request for 127.0.0.1:5000 (or any host that is neither the apex nor one of its tenants)
on the apex's port goes to http://localhost:5000/ instead of a bare 404.

The app tells tenants apart by host name, so it only answers on SERVER_NAME and its
subdomains; the terminal of a development server tends to show 127.0.0.1, and people type it.
Verified custom domains are left alone, as in production."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, request
from markupsafe import Markup

from ..services.domains import host_name, verified_site_for
from . import bp

EXPLANATION = Markup(
    "<!doctype html><title>Use {apex}</title>"
    "<p>sitemaker tells sites apart by their host name, so it answers on <b>{apex}</b> "
    "(the home page) and <b>&lt;name&gt;.{apex}</b> (each site), not on {host}.</p>"
    '<p>Continue to <a href="{url}">{url}</a>.</p>\n'
)


def is_foreign(host: str, server_name: str) -> bool:
    """True for a host on the apex's port that is neither the apex nor a subdomain of it."""
    try:
        asked, apex = urlsplit(f"//{host}"), urlsplit(f"//{server_name}")
        if (asked.port or 80) != (apex.port or 80):
            return False
    except ValueError:  # not a host:port at all; routing answers 404 as before
        return False
    name, apex_name = (asked.hostname or "").rstrip("."), apex.hostname or ""
    return name != apex_name and not name.endswith("." + apex_name)


@bp.app_url_value_preprocessor
def redirect_foreign_host(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Runs before the divisions' tenant loaders (app-wide preprocessors come first)."""
    server_name = str(current_app.config.get("SERVER_NAME") or "")
    if not server_name or not is_foreign(request.host, server_name):
        return
    if verified_site_for(request.host)[0] is not None:
        return  # a custom domain someone pointed at this machine: served as in production
    query = request.query_string.decode("latin-1")
    url = f"{request.scheme}://{server_name}{request.path}" + (f"?{query}" if query else "")
    current_app.logger.info(
        "%s is not an address of this app; sent to %s (sites are told apart by host name)",
        host_name(request.host),
        url,
    )
    body = EXPLANATION.format(apex=server_name, host=request.host, url=url)
    response = Response(body, 302, {"Location": url, "Cache-Control": "no-store"})
    response.mimetype = "text/html"
    abort(response)
