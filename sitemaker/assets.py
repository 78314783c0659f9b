"""Flask-Assets bundles: one per division, one per visitor theme, minified into static/gen/.
`flask assets build` builds them ahead of deployment; production serves only prebuilt files."""

from __future__ import annotations

from flask import Flask, current_app
from flask_assets import Bundle

from .extensions import assets

BUNDLES = {
    "home_css": Bundle("home/home.css", filters="cssmin", output="gen/home.%(version)s.css"),
    "dash_css": Bundle("dash/dash.css", filters="cssmin", output="gen/dash.%(version)s.css"),
    "dash_js": Bundle(
        "dash/editor.js", "dash/account.js", filters="jsmin", output="gen/dash.%(version)s.js"
    ),
}


def theme_bundle(theme: str) -> Bundle:
    """A visitor theme's stylesheet: the shared base, then the theme's own rules."""
    return Bundle(
        "site/base.css",
        f"site/themes/{theme}.css",
        filters="cssmin",
        output=f"gen/theme-{theme}.%(version)s.css",
    )


def _theme_bundles() -> dict[str, Bundle]:
    from .services.themes import available_themes

    return {f"theme_{name}_css": theme_bundle(name) for name in available_themes()}


BUNDLES.update(_theme_bundles())


def init_app(app: Flask) -> None:
    # Resolve sources from the one static folder by plain path: Flask-Assets would otherwise
    # read "home/…" and "site/…" as blueprint names. Output URLs are host-relative, because
    # /static/ is served on every host (by nginx in production, by tenant_static here).
    app.config.setdefault("ASSETS_LOAD_PATH", [app.static_folder])
    app.config.setdefault("ASSETS_DIRECTORY", app.static_folder)
    app.config.setdefault("ASSETS_URL", app.static_url_path)
    app.config.setdefault("ASSETS_URL_EXPIRE", False)  # the hash in the name busts caches
    assets.init_app(app)
    app.add_url_rule(
        f"{app.static_url_path}/<path:filename>",
        endpoint="tenant_static",
        subdomain="<site_subdomain>",
        view_func=lambda site_subdomain, filename: app.send_static_file(filename),
    )
    for name, bundle in BUNDLES.items():
        if name not in assets:
            assets.register(name, bundle)
    app.jinja_env.globals["bundle_url"] = bundle_url


def bundle_url(name: str) -> str:
    """The URL of a built bundle. `{% assets %}` asks webassets on every render (version,
    manifest, SRI: ~0.5 ms a page); without ASSETS_AUTO_BUILD (production) the built files
    cannot change while the process runs, so each URL is resolved once per process."""
    app = current_app
    if app.config.get("ASSETS_AUTO_BUILD", True) or app.config.get("ASSETS_DEBUG"):
        return assets[name].urls()[0]
    resolved: dict[str, str] = app.extensions.setdefault("sitemaker.bundle_urls", {})
    url = resolved.get(name)
    if url is None:
        url = resolved[name] = assets[name].urls()[0]
    return url
