"""What every importer makes of its file: items (pages and posts) in sitemaker's terms, the
files that came with them, the menu, and what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..transfer_import import ImportRefused


@dataclass
class Item:
    source_id: str  # the old platform's id, e.g. "wordpress:https://old.example:123"
    kind: str  # page | post
    title: str
    slug: str
    status: str  # draft | published (a future published_at: scheduled)
    body: str  # Markdown
    published_at: datetime | None = None
    updated_at: datetime | None = None
    description: str = ""
    tags: list[str] = field(default_factory=list)
    old_paths: list[str] = field(default_factory=list)  # see old_path()
    label: str = ""  # how the report names it


@dataclass
class Source:
    platform: str  # wordpress | ghost | static
    items: list[Item] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # images that came in the upload
    menu: list[str] = field(default_factory=list)  # source ids, in menu order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    notes: list[str] = field(default_factory=list)


def old_path(url_or_path: str) -> str | None:
    """The key an old address is stored and looked up under: the path without its outer
    slashes ("2019/05/hello-world"), or "?p=123" for WordPress's query links."""
    try:
        parts = urlsplit(url_or_path.strip())
    except ValueError:
        return None
    path = unquote(parts.path).strip("/")
    if not path and parts.query:
        return f"?{parts.query}"[:300]
    return path[:300] or None


def check_size(data: bytes, what: str) -> None:
    """Refuse by size before parsing anything."""
    limit = int(current_app.config.get("IMPORT_MAX_SOURCE_BYTES", 64 * 1024 * 1024))
    if len(data) > limit:
        raise ImportRefused(
            f"The {what} is {len(data) / 1024 / 1024:.0f} MB; at most "
            f"{limit // 1024 // 1024} MB are imported. Export in parts (by date or type).",
            413,
        )


def decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The {what} is not valid UTF-8 (a byte at position {error.start} is not); "
            "export it again or save it as UTF-8."
        ) from None
