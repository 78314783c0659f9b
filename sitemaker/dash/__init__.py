"""The tenant dashboard at <tenant>/admin."""

from flask import Blueprint

from ..services.tenancy import add_site_subdomain, load_site

bp = Blueprint("dash", __name__, template_folder="templates")
bp.url_value_preprocessor(load_site)
bp.url_defaults(add_site_subdomain)

from . import domain, views  # noqa: E402,F401
