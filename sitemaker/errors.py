"""One place that turns errors into pages: the division's look, JSON for JSON clients."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import db
from .services.tenancy import SiteGone

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in needed", "You need to sign in to see this."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Not found", "There is nothing here. Check the address and try again."),
    405: ("Method not allowed", "That action is not available here."),
    410: ("Gone", "This site is no longer available."),
    413: ("Too large", "What you sent is larger than this server accepts."),
    429: ("Too many requests", "Please slow down and try again shortly."),
    500: ("Something went wrong", "The error has been logged. Please try again."),
    503: ("Temporarily unavailable", "The service is briefly unavailable. Try again in a moment."),
}


ERROR_RENDERERS = "sitemaker.error_renderers"


def register_error_renderer(
    app: Flask, division_name: str, renderer: Callable[[int, str, str], str | None]
) -> None:
    """renderer(code, title, message) draws the division's error page, or returns None to
    leave it to the division's plain errors/<code> template."""
    app.extensions.setdefault(ERROR_RENDERERS, {})[division_name] = renderer


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def division() -> str:
    """Which division's look an error page takes: by blueprint, else by host."""
    if request.blueprint in ("site", "dash", "home", "ops"):
        return request.blueprint
    if request.blueprint == "api":
        return "site"
    host = request.host.lower()
    server_name = str(current_app.config.get("SERVER_NAME") or "")
    return "home" if host == server_name else "site"


def render_error(code: int, message: str | None = None, retry_after: str | None = None):
    title, default_message = MESSAGES.get(code, (str(code), ""))
    message = message or default_message
    if wants_json():
        return jsonify(error=title.lower().replace(" ", "_"), message=message), code
    name = division()
    # A division may draw its own error pages (the site division: in the tenant's theme); it
    # registers the renderer, so this module imports no division. None means "not here".
    themed = current_app.extensions.get(ERROR_RENDERERS, {}).get(name)
    body = themed(code, title, message) if themed is not None else None
    if body is None:
        template = f"{name}/error.html" if name != "site" else "site/error.html"
        body = render_template(
            template, code=code, title=title, message=message, retry_after=retry_after
        )
    return body, code


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    message = error.description if error.description != type(error).description else None
    retry_after = None
    if error.code == 429:
        reset = getattr(error, "retry_after", None) or (
            error.response.headers.get("Retry-After") if error.response else None
        )
        reset = reset or limiter_retry_after()
        retry_after = str(reset) if reset else None
        message = (
            f"Too many attempts. Try again in {retry_after} seconds."
            if retry_after
            else "Too many attempts. Try again in a minute."
        )
    response = render_error(error.code, message, retry_after)
    if error.code == 405 and error.valid_methods:
        return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
    if error.code == 429 and retry_after:
        return response[0], 429, {"Retry-After": retry_after}
    return response


def limiter_retry_after() -> int | None:
    """Seconds until the breached Flask-Limiter window resets, when that is what raised 429."""
    from .extensions import limiter

    try:
        current = limiter.current_limit
        return max(1, int(current.reset_at - time.time())) if current else None
    except Exception:  # noqa: BLE001 - storage down: fall back to the generic wording
        return None


def handle_csrf_error(error: CSRFError):
    return render_error(
        400, "This form has expired or was not sent from this site. Reload the page and try again."
    )


def handle_site_gone(error: SiteGone):
    site = error.site
    if site.status == "suspended":
        message = "This site has been suspended by the operators."
        if site.status_reason:
            message += f" Reason: {site.status_reason}"
    else:
        message = "This site has been deleted by its owner."
    title = MESSAGES[410][0]
    if wants_json():
        return jsonify(error="gone", message=message), 410
    return render_template("site/error.html", code=410, title=title, message=message), 410


def handle_unstorable_data(error: DataError):
    """A value the database cannot store (a NUL character on PostgreSQL, a number out of range)
    is the client's mistake: 400, nothing written."""
    db.session.rollback()
    current_app.logger.info("refused unstorable input: %s", error.orig)
    return render_error(400, "Part of what you sent cannot be stored (e.g. a NUL character).")


def handle_database_down(error: OperationalError):
    db.session.rollback()
    current_app.logger.error("database unavailable: %s", error.orig)
    # The rollback expired g.site; the themed error page would query the database again.
    g.pop("site", None)
    body, code = render_error(503)
    return body, code, {"Retry-After": "5"}


def handle_server_error(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SiteGone, handle_site_gone)
    app.register_error_handler(DataError, handle_unstorable_data)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(ServiceUnavailable, handle_http_exception)
