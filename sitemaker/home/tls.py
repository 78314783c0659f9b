"""GET /tls/ask?domain=X on the apex: may a certificate be issued for X? Caddy's on-demand TLS
(`ask`) and certbot hooks call it; only verified custom domains (and their www/apex partner)
get a yes, so nobody can make the platform request certificates for names it does not serve."""

from __future__ import annotations

from flask import abort, request

from ..services.domains import DomainError, normalize_domain, verified_site_for
from . import bp


@bp.route("/tls/ask")
def tls_ask():
    try:
        name = normalize_domain(request.args.get("domain", ""))
    except DomainError:
        abort(404)
    site, _ = verified_site_for(name)
    if site is None or not site.is_active:
        abort(404)
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
