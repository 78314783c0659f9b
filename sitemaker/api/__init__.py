"""The JSON API at <tenant>/api/v1: the same rules as the dashboard, for tenants' own tools.

Requests authenticate with `Authorization: Bearer <token>` only. No cookie is read or set, so
the blueprint needs no CSRF protection (a cross-site page cannot make a browser attach a
bearer token)."""

from flask import Blueprint

from ..extensions import csrf, limiter
from ..services.tenancy import add_site_subdomain, load_site
from .limits import api_limit, rate_key

bp = Blueprint("api", __name__)
bp.url_value_preprocessor(load_site)
bp.url_defaults(add_site_subdomain)
csrf.exempt(bp)
limiter.limit(api_limit, key_func=rate_key)(bp)

from . import auth, errors  # noqa: E402,F401  (the gate and the JSON errors)

# isort: split
from . import media, openapi, pages, site  # noqa: E402,F401

# isort: split
from . import stats  # noqa: E402,F401  (page-view figures)
