"""The tenant dashboard at <tenant>/admin: views split by topic, one module each."""

from flask import Blueprint, current_app

from ..services.permissions import Permission, can
from ..services.tenancy import add_site_subdomain, load_site

bp = Blueprint("dash", __name__, template_folder="templates")
bp.url_value_preprocessor(load_site)
bp.url_defaults(add_site_subdomain)


@bp.context_processor
def dash_helpers() -> dict:
    """What dash templates need to hide what a role cannot do (the server refuses it anyway)."""

    def has_view(endpoint: str) -> bool:
        return endpoint in current_app.view_functions

    return {"can": can, "Permission": Permission, "has_view": has_view}


from . import auth  # noqa: E402,F401  (its gate runs before any dash view's)

# isort: split
from . import (  # noqa: E402,F401
    account,
    analytics,
    clock,
    danger,
    domain,
    editor,
    media,
    members,
    navigation,
    overview,
    pages,
    revisions,
    settings,
    subscribers,
    tokens,
    transfer,
    trash,
)
