"""Per-site themes: a Jinja loader that resolves "theme:<name>/<template>" inside
site/themes/<name>/, falling back to the default theme for templates a theme does not override.
The theme is part of the template name, so Jinja's template cache never serves one tenant's
theme to another."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import g, render_template, request
from jinja2 import BaseLoader, Environment, TemplateNotFound
from werkzeug.security import safe_join

THEMES_DIR = Path(__file__).resolve().parent / "themes"
DEFAULT_THEME = "plain"
PREFIX = "theme:"


def available_themes() -> list[str]:
    return sorted(p.name for p in THEMES_DIR.iterdir() if (p / "layout.html").is_file())


_THEMES = frozenset(available_themes())


def site_theme(site) -> str:
    """The site's theme, or the default when the stored name is not a built-in theme."""
    return site.theme if site.theme in _THEMES else DEFAULT_THEME


class ThemeLoader(BaseLoader):
    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if not template.startswith(PREFIX):
            raise TemplateNotFound(template)
        theme, _, name = template[len(PREFIX) :].partition("/")
        for candidate in (theme, DEFAULT_THEME):
            path = safe_join(str(THEMES_DIR), candidate, name)
            if path and os.path.isfile(path):
                mtime = os.path.getmtime(path)
                with open(path, encoding="utf-8") as f:
                    source = f.read()
                return source, path, lambda p=path, m=mtime: os.path.getmtime(p) == m
        raise TemplateNotFound(template)


def theme_template(name: str, theme: str | None = None) -> str:
    return f"{PREFIX}{theme or g.site.theme}/{name}"


def render_theme(name: str, **context) -> str:
    """Render a visitor template in the current site's theme, with what every page's head
    needs (canonical address, description, icon)."""
    from ..services.domains import site_url
    from .views import favicon_url

    site = g.site
    theme = site_theme(site)
    page = context.get("page")
    on_home = page is not None and getattr(page, "is_home", False)
    context.setdefault("canonical", site_url(site, "/" if on_home else request.path))
    context.setdefault(
        "description",
        (page.description if page is not None else "") or site.description or site.tagline,
    )
    context.setdefault("favicon", favicon_url(site))
    return render_template(theme_template(name, theme), site=site, theme=theme, **context)
