"""The picture a link preview shows (og:image, twitter:card): the image the writer picked for
the page, else the page's first image, else the site's own. Always an absolute URL, on the
site's public host (its custom domain when it has one) for images the site serves."""

from __future__ import annotations

import re
from html import unescape

from ..models import Site
from .domains import site_url

_FIRST_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.I)
_MEDIA_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


def _media_url(site: Site, name: str | None) -> str | None:
    if name and _MEDIA_NAME.fullmatch(name):
        return site_url(site, f"/media/{name}")
    return None


def first_image(html: str | None) -> str | None:
    """The src of the first <img> in sanitized HTML (the sanitizer already dropped anything
    that is not http(s) or a path)."""
    match = _FIRST_IMG.search(html or "")
    return unescape(match.group(1)) if match else None


def absolute(site: Site, src: str) -> str | None:
    if src.startswith(("https://", "http://")):
        return src
    if src.startswith("/") and not src.startswith("//"):
        return site_url(site, src)
    return None


def social_image(site: Site, picked: str | None = None, html: str | None = None) -> str | None:
    """The absolute URL of the page's preview image, or None when neither the page nor the
    site has one."""
    url = _media_url(site, picked)
    if url is None:
        src = first_image(html)
        url = absolute(site, src) if src else None
    return url or _media_url(site, site.social_image)
