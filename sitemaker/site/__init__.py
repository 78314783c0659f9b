"""What visitors see on <tenant>.<SERVER_NAME>."""

from flask import Blueprint, request
from werkzeug.routing import PathConverter

from ..errors import register_error_renderer
from ..extensions import limiter
from ..services import http_cache
from ..services.tenancy import add_site_subdomain, load_site
from .theming import ThemeLoader, render_themed_error


class SiteBlueprint(Blueprint):
    @property
    def jinja_loader(self):
        # Only names of the form "theme:<theme>/<template>" resolve here, so dash and home
        # templates are never reachable through a theme.
        return ThemeLoader()


class OldPathConverter(PathConverter):
    """Any path an imported site used, except the other divisions' own prefixes: a GET-only
    catch-all that matched /api/… or /admin/… would turn their 404s into 405s and add GET
    to what OPTIONS answers there."""

    regex = r"(?!(?:api|admin|static)(?:/|$))[^/].*?"


bp = SiteBlueprint("site", __name__)
bp.record_once(lambda state: state.app.url_map.converters.setdefault("old_path", OldPathConverter))
bp.url_value_preprocessor(load_site)
bp.url_defaults(add_site_subdomain)
bp.record_once(lambda state: http_cache.init_app(state.app))
bp.record_once(lambda state: register_error_renderer(state.app, "site", render_themed_error))
# No rate limit applies to visitor pages (nginx and the page cache absorb floods). exempt()
# alone still lets Flask-Limiter resolve limits on every request; a request filter is checked
# first and ends that work. A limit ever put on a visitor view must remove both.
limiter.exempt(bp)
limiter.request_filter(lambda: request.blueprint == "site")

from . import views  # noqa: E402,F401

from . import media  # noqa: E402,F401  # isort: skip
from . import reading  # noqa: E402,F401  # isort: skip
from . import subscribe  # noqa: E402,F401  # isort: skip
