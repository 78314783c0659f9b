"""Security headers on every response, and long-lived caching for content-addressed files.

Visitor pages run no script at all; the dashboard and the apex run only their own static
files. Neither allows inline script, so sanitized HTML that slipped through could not run
code. The dashboard and the apex may never be framed (clickjacking of forms)."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from .tenancy import is_apex_request

VISITOR_CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "media-src 'self' https:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action {form_action}; frame-ancestors 'none'"
)


def app_csp(server_name: str | None) -> str:
    """Browsers apply form-action to every redirect after a submit too, and signing in or
    creating a site ends on a tenant host (the handoff into <tenant>/admin): the platform's own
    hosts must be allowed, not only 'self'. Scheme-less sources keep the page's scheme."""
    sources = ["'self'"]
    if server_name:
        sources += [server_name, f"*.{server_name}"]
    return APP_CSP.format(form_action=" ".join(sources))


IMMUTABLE = "public, max-age=31536000, immutable"
# Built bundles carry a content hash in their name: a change gets a new URL.
IMMUTABLE_PREFIXES = ("/static/gen/",)


def is_visitor_request() -> bool:
    if request.blueprint == "site":
        return True
    if request.blueprint in ("dash", "home", "ops"):
        return False
    return not is_apex_request() and not request.path.startswith("/admin")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if is_visitor_request():
        headers.setdefault("Content-Security-Policy", VISITOR_CSP)
    else:
        headers.setdefault("Content-Security-Policy", current_app.extensions["sitemaker.app_csp"])
        headers.setdefault("X-Frame-Options", "DENY")
    hsts = int(current_app.config.get("HSTS_SECONDS") or 0)
    if hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    if response.status_code >= 400 and "Cache-Control" not in headers:
        # Browsers may keep 404s and 410s (RFC 9110 heuristics): a suspended site that is
        # back, or a page published at a missing address, must show on the next visit.
        headers["Cache-Control"] = "no-cache"
    if request.path.startswith(IMMUTABLE_PREFIXES) and response.status_code == 200:
        headers["Cache-Control"] = IMMUTABLE
    return response


def init_app(app: Flask) -> None:
    app.extensions["sitemaker.app_csp"] = app_csp(app.config.get("SERVER_NAME"))
    app.after_request(add_security_headers)
