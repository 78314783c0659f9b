"""Per-site themes: a Jinja loader that resolves "theme:<name>/<template>" inside
site/themes/<name>/, falling back to the default theme for templates a theme does not override.
The theme is part of the template name, so Jinja's template cache never serves one tenant's
theme to another."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import current_app, g, request
from flask.signals import before_render_template, template_rendered
from jinja2 import BaseLoader, Environment, TemplateNotFound
from werkzeug.security import safe_join

from ..services.themes import DEFAULT_THEME, THEMES_DIR, favicon_url, site_theme

PREFIX = "theme:"


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
    needs (canonical address, description, icon, language and direction, preview image)."""
    from ..services import language
    from ..services.domains import site_url
    from ..services.social import social_image

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
    lang = (getattr(page, "language", None) if page is not None else None) or site.language
    context.setdefault(
        "social_image",
        social_image(site, getattr(page, "social_image", None), getattr(page, "html", None)),
    )
    context.update(
        # Only what this request already read: error pages must render without the database.
        has_home=bool(g.get("site_outline") and g.site_outline.has_home),
        site=site,
        theme=theme,
        lang=lang,
        text_dir=language.direction(lang),
        long_date=lambda moment: language.long_date(moment, lang),
        short_date=lambda moment: language.short_date(moment, lang),
        month_year=lambda moment: language.month_year(moment, lang),
    )
    return render_visitor_template(theme_template(name, theme), context)


def render_themed_error(code: int, title: str, message: str) -> str | None:
    """The error page in the tenant's theme, once the tenant is known (errors.py calls it)."""
    if g.get("site") is None:
        return None
    return render_theme("error.html", code=code, title=title, message=message)


def render_visitor_template(name: str, context: dict) -> str:
    """flask.render_template without the context processors. A visitor page is the same for
    everyone and may be cached and shared, so it must not see the session or the signed-in
    user; besides, Flask-Login's processor loads the session for every anonymous visitor
    (which also adds `Vary: Cookie`). The signals stay, for anything that listens to them."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_or_select_template(name)
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    html = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return html
