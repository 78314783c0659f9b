"""The theme catalogue: which visitor themes exist, which one a site shows, and its icon.

The dashboard (the theme picker), the importer (a theme named in an archive) and the site
division (which renders with them, sitemaker/site/theming.py) all read it here, so no division
imports another for it. The theme files themselves live with the division that renders them,
in sitemaker/site/themes/<name>/ (a layout.html makes a folder a theme)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

THEMES_DIR = Path(__file__).resolve().parent.parent / "site" / "themes"
DEFAULT_THEME = "plain"


def available_themes() -> list[str]:
    return sorted(p.name for p in THEMES_DIR.iterdir() if (p / "layout.html").is_file())


_BUILT_IN = frozenset(available_themes())


def site_theme(site: Any) -> str:
    """The site's theme, or the default when the stored name is not a built-in theme."""
    return site.theme if site.theme in _BUILT_IN else DEFAULT_THEME


def favicon_url(site: Any) -> str:
    """The site's own icon (an uploaded media file) or the platform's default one."""
    if site.favicon:
        return f"/media/{site.favicon}"
    # Host-relative: /static/ is served on every host.
    return f"{current_app.static_url_path}/site/favicon.svg"
