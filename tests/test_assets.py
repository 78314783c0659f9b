"""Flask-Assets bundles: one per division and per theme, minified, with hashed names, and
`flask assets build` builds them all."""

from __future__ import annotations

import re
from pathlib import Path

from sitemaker.extensions import assets
from sitemaker.services.themes import available_themes


def test_every_division_and_theme_has_a_bundle(app):
    with app.app_context():
        names = set(assets._named_bundles)
    assert {"home_css", "dash_css", "dash_js"} <= names
    assert {f"theme_{theme}_css" for theme in available_themes()} <= names


def test_theme_bundles_are_minified_and_hashed(app):
    with app.app_context():
        for theme in available_themes():
            urls = assets[f"theme_{theme}_css"].urls()
            assert len(urls) == 1
            assert re.fullmatch(rf"/static/gen/theme-{theme}\.[0-9a-f]{{8}}\.css", urls[0])
            built = Path(app.static_folder) / urls[0].removeprefix("/static/")
            text = built.read_text()
            assert "/*" not in text and "\n" not in text.strip()  # cssmin output
            assert "--ink" in text and ".skip" in text  # theme rules + the shared base


def test_dash_js_is_minified(app):
    with app.app_context():
        url = assets["dash_js"].urls()[0]
    assert re.fullmatch(r"/static/gen/dash\.[0-9a-f]{8}\.js", url)
    source = (Path(app.static_folder) / "dash" / "editor.js").read_text()
    built = (Path(app.static_folder) / url.removeprefix("/static/")).read_text()
    assert len(built) < len(source)


def test_flask_assets_build_builds_every_bundle(runner, app):
    from flask_assets import assets as assets_command  # registered on `flask` by entry point

    result = runner.invoke(assets_command, ["build"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for name in ("home_css", "dash_css", "dash_js", "theme_journal_css"):
            url = assets[name].urls()[0]
            assert (Path(app.static_folder) / url.removeprefix("/static/")).is_file()


def test_debug_mode_serves_sources_one_by_one(make_app):
    app = make_app(ASSETS_DEBUG=True)
    with app.app_context():
        urls = assets["theme_landing_css"].urls()
    assert [u.split("?")[0] for u in urls] == [
        "/static/site/base.css",
        "/static/site/themes/landing.css",
    ]
