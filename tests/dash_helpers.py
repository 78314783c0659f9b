"""Shared steps for dashboard tests: a member signed in on the tenant host, CSRF tokens read
from the real forms, small images made with Pillow."""

from __future__ import annotations

import io
import re

from PIL import Image

CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str, subdomain: str) -> str:
    """The CSRF token of a real form on the page (the way a browser gets it)."""
    response = client.get(path, subdomain=subdomain)
    match = CSRF_RE.search(response.data)
    assert match, f"no form with a CSRF token on {path}: {response.status_code}"
    return match.group(1).decode()


def image_bytes(fmt: str = "PNG", size=(40, 30), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()


def upload_media(client, subdomain: str, *files: tuple[str, bytes]):
    """Posts (name, content) files to the media library the way the dashboard's script does:
    the CSRF token from the page in a header, JSON asked for. Returns the response."""
    token = csrf_from(client, "/admin/media", subdomain)
    return client.post(
        "/admin/media",
        data={"file": [(io.BytesIO(content), name) for name, content in files]},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        subdomain=subdomain,
    )
