"""A zip of a static site's Markdown (Hugo, Jekyll, Eleventy): YAML (---) or TOML (+++) front
matter with title, date, draft, slug, tags and description; images beside the pages,
referenced by relative paths, go through the media service like any upload."""

from __future__ import annotations

import io
import posixpath
import re
import tomllib
from datetime import UTC, date, datetime

import yaml
from flask import current_app

from .. import image_budget
from .. import media as media_service
from ..pages import slugify
from ..transfer_import import ImportRefused, decode_text
from .source import Item, Source

MARKERS = ("hugo.toml", "hugo.yaml", "config.toml", "_config.yml", "eleventy.config.js",
           "eleventy.config.cjs", "eleventy.config.mjs")  # fmt: skip
FOLDERS = ("content/", "_posts/", "_drafts/")
POST_FOLDERS = ("posts", "post", "_posts", "_drafts", "blog")
TOML = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)
YAML = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
JEKYLL_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE = re.compile(r"(!\[[^\]]*\]\()\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?\s*\))")


def is_static_site(files: dict[str, bytes]) -> bool:
    if "site.json" in files:
        return False
    return any(n in MARKERS or n.startswith(FOLDERS) for n in files) or any(
        n.endswith((".md", ".markdown")) and files[n].startswith(b"+++") for n in files
    )


def _front_matter(name: str, text: str) -> tuple[dict, str]:
    try:
        if match := TOML.match(text):
            meta = tomllib.loads(match.group(1))
        elif match := YAML.match(text):
            meta = yaml.safe_load(match.group(1)) or {}
        else:
            return {}, text
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, OverflowError) as error:
        raise ImportRefused(f"the front matter is not valid ({str(error)[:80]})") from None
    if not isinstance(meta, dict):
        raise ImportRefused("the front matter must be 'key: value' lines")
    return meta, text[match.end() :]


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return _when(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None  # Eleventy's "Last Modified" and the like
    return None


def _words(value: object) -> list[str]:
    if isinstance(value, str):
        value = value.split(",") if "," in value else value.split()
    if not isinstance(value, list):
        return []
    return [str(v).strip()[:60] for v in value if isinstance(v, (str, int)) and str(v).strip()]


def _images(name: str, body: str, files: dict[str, bytes], source: Source, prepared: dict) -> str:
    folder = posixpath.dirname(name)

    def swap(match: re.Match) -> str:
        ref = match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:|//|#", ref, re.I):
            return match.group(0)  # absolute: fetched later from the old site
        path = ref.split("#")[0].split("?")[0]
        candidates = (
            [posixpath.normpath(posixpath.join(folder, path))]
            if not path.startswith("/")
            else [p + path for p in ("static", "assets", "public", "")]
        )
        found = next((c.lstrip("/") for c in candidates if c.lstrip("/") in files), None)
        if found is None:
            source.notes.append(f"{name}: image {ref[:100]} is not in the zip; link kept.")
            return match.group(0)
        if found not in prepared:
            try:
                prepared[found] = media_service.prepare(found, files[found])
            except media_service.UploadError as error:
                source.notes.append(f"{found}: {error.message} Link kept.")
                prepared[found] = None
        item = prepared[found]
        if item is None:
            return match.group(0)
        return f"{match.group(1)}/media/{item.stored_name}{match.group(3)}"

    return IMAGE.sub(swap, body)


def _check_pixels(files: dict[str, bytes]) -> None:
    """The zip's images together, from their headers, before any is decoded (as for a
    sitemaker zip's media/ folder)."""
    most = int(current_app.config["IMPORT_MAX_PIXELS"])
    pixels = sum(
        image_budget.claimed_pixels(io.BytesIO(content))
        for name, content in files.items()
        if name.lower().endswith(IMAGE_EXTENSIONS)
    )
    if pixels > most:
        raise ImportRefused(
            f"The zip's images have {pixels / 1e6:.0f} megapixels together; at most "
            f"{most / 1e6:.0f} are imported at a time. Split it up.",
            413,
        )


def parse(files: dict[str, bytes]) -> tuple[Source, list]:
    """The items, and the Prepared images they show (to store with them)."""
    _check_pixels(files)
    source = Source("static")
    prepared: dict = {}
    for name in sorted(files):
        if not name.endswith((".md", ".markdown")):
            continue
        stem = posixpath.basename(name).rsplit(".", 1)[0]
        parts = name.split("/")
        if stem in ("_index", "README") or parts[0] in ("node_modules", "_site", "public"):
            source.skipped.append((name, "a section list or read-me, not a page"))
            continue
        try:
            meta, body = _front_matter(name, decode_text(name, files[name]))
        except ImportRefused as error:
            source.skipped.append((name, error.message))
            continue
        path = name.removeprefix("content/").rsplit(".", 1)[0]
        if stem == "index":  # a Hugo page bundle or an Eleventy folder page
            stem = posixpath.basename(posixpath.dirname(name)) or "home"
            path = posixpath.dirname(path)
        when = _when(meta.get("date"))
        jekyll = JEKYLL_NAME.fullmatch(stem)
        if jekyll:
            stem = jekyll.group(4)
            when = when or datetime(*(int(jekyll.group(i)) for i in (1, 2, 3)))
        draft = meta.get("draft") is True or meta.get("published") is False
        kind = "post" if any(p in POST_FOLDERS for p in parts[:-1]) or jekyll else "page"
        title = str(meta.get("title") or stem)[:200]
        old = [path]
        if jekyll:
            cats = "/".join(slugify(c) for c in _words(meta.get("categories")))
            y, m, d = jekyll.group(1, 2, 3)
            old.append(f"{cats + '/' if cats else ''}{y}/{m}/{d}/{stem}.html")
        old += [a for a in _words(meta.get("aliases")) + _words(meta.get("permalink"))]
        tags = _words(meta.get("tags")) + _words(meta.get("categories"))
        source.items.append(
            Item(
                source_id=f"static:{name}",
                kind=kind,
                title=title,
                slug=slugify(str(meta.get("slug") or stem)) or slugify(title) or "untitled",
                status="draft" if draft else "published",
                body=_images(name, body, files, source, prepared),
                published_at=when,
                description=str(meta.get("description") or meta.get("summary") or "")[:300],
                # Eleventy's collection tag names a list, not a subject.
                tags=[t for t in dict.fromkeys(tags) if t not in ("posts", "post")],
                old_paths=[p.strip("/") for p in old if p.strip("/")],
                label=name,
            )
        )
    return source, [p for p in prepared.values() if p is not None]
