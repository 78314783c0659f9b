"""Per-site themes: a Jinja loader that resolves "theme:<name>/<template>" inside
site/themes/<name>/, falling back to the default theme for templates a theme does not override.
The theme is part of the template name, so Jinja's template cache never serves one tenant's
theme to another."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import g, render_template
from jinja2 import BaseLoader, Environment, TemplateNotFound
from werkzeug.security import safe_join

THEMES_DIR = Path(__file__).resolve().parent / "themes"
DEFAULT_THEME = "plain"
PREFIX = "theme:"


def available_themes() -> list[str]:
    return sorted(p.name for p in THEMES_DIR.iterdir() if (p / "layout.html").is_file())


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
    """Render a visitor template in the current site's theme."""
    theme = g.site.theme
    return render_template(theme_template(name, theme), site=g.site, theme=theme, **context)
