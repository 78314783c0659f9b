"""sitemaker: a multi-tenant site builder. create_app() is the one way to get an application."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extensions as ext
from .config import load_config


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, divisions, CLI, error pages. Nothing else:
    the schema is `flask db upgrade`'s job."""
    # Flask warns on every foreign Host; those are custom domains or 404s, handled by tenancy.
    warnings.filterwarnings("ignore", message="Current server name", category=UserWarning)
    app = Flask(__name__, instance_relative_config=True, subdomain_matching=True)
    load_config(app, config_name, overrides)

    init_extensions(app)
    register_divisions(app)
    from . import rate_limits

    rate_limits.init_app(app)
    wrap_wsgi(app)
    from . import analytics

    analytics.init_app(app)

    from . import logging as structured_logging

    structured_logging.init_app(app)

    from . import database

    database.init_app(app)

    from .errors import register_error_handlers

    register_error_handlers(app)

    from .cli import register_cli

    register_cli(app)
    if app.config["ENV_NAME"] == "development":
        # The mailbox, the demo sign-in, `flask dev`: never registered in any other config.
        from . import devtools

        devtools.init_app(app)
    return app


def init_extensions(app: Flask) -> None:
    from . import assets as asset_bundles
    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .services import sessions

    ext.db.init_app(app)
    from .services import site_versions

    site_versions.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(Path(app.root_path).parent / "migrations"))
    ext.bcrypt.init_app(app)
    ext.csrf.init_app(app)
    ext.cache.init_app(app)
    from .services import limits_storage

    limits_storage.init_app(app)
    ext.limiter.init_app(app)
    ext.login_manager.init_app(app)
    asset_bundles.init_app(app)
    sessions.init_app(app)
    from .services import jobs

    jobs.init_app(app)
    from .services import headers

    headers.init_app(app)


def wrap_wsgi(app: Flask) -> None:
    """The front cache sits inside ProxyFix, so it keys on the host and scheme ProxyFix sets."""
    from .front_cache import FrontCache
    from .services import site_versions

    entries = int(app.config.get("FRONT_CACHE_ENTRIES") or 0)
    if entries > 0:
        app.wsgi_app = FrontCache(
            app.wsgi_app,
            site_versions.board(app),
            max_entries=entries,
            max_bytes=int(app.config["FRONT_CACHE_BYTES"]),
            max_age=float(app.config["PAGE_CACHE_SECONDS"]),
        )
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 1:
        from .config import ConfigError

        raise ConfigError(
            "PROXY_FIX_HOPS must be 0 or 1: the app trusts only what nginx itself sets (behind "
            "a load balancer, give nginx the client's address with its realip module)"
        )
    if hops:
        # Exactly the headers nginx sets itself, one value each (sitemaker-common.conf);
        # X-Forwarded-Prefix is never trusted (nginx drops it).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=0)


def register_divisions(app: Flask) -> None:
    from .dash import bp as dash_bp
    from .home import bp as home_bp
    from .site import bp as site_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(dash_bp, subdomain="<site_subdomain>", url_prefix="/admin")
    from .api import bp as api_bp

    app.register_blueprint(api_bp, subdomain="<site_subdomain>", url_prefix="/api/v1")
    # Registered last: its catch-all /<slug> must not shadow the more specific divisions.
    app.register_blueprint(site_bp, subdomain="<site_subdomain>")

    from .ops import bp as ops_bp
    from .ops.health import bp as health_bp

    app.register_blueprint(ops_bp, url_prefix="/ops")
    app.register_blueprint(health_bp)
