"""Reading an uploaded zip safely, and applying it to a site in one transaction.

Limits are checked against the zip's headers first (cheap) and again while reading with
bounded reads (headers can lie): entry count, total size, per-file size, compression ratio.
Paths are never used to touch the disk: entries are read into memory and stored by content.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import yaml
from flask import current_app

from ..models.common import utcnow
from . import image_budget, render_budget
from . import media as media_service
from .pages import RESERVED_SLUGS, PageError, slug_error, slugify

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_MARKDOWN_BYTES = 1024 * 1024
MAX_RATIO = 100  # a 1 GB file of zeros packs into ~1 MB: ratio ~1000
STORED_NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg|gif|webp|pdf)")
DATE_FIELDS = ("published_at", "created_at", "updated_at")


class ImportRefused(Exception):
    """The zip cannot be imported; nothing was changed. The message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# What a damaged or hostile zip makes zipfile raise (found by mutating real exports).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
)
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def _limit(name: str) -> int:
    if name.endswith((".md", ".markdown")):
        return MAX_MARKDOWN_BYTES
    if name == "site.json":
        return 1024 * 1024
    return current_app.config["MEDIA_MAX_FILE_BYTES"]


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return (
        name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or ".." in parts
        or (len(parts[0]) >= 2 and parts[0][1] == ":")
    )


def read_archive(data: bytes) -> dict[str, bytes]:
    """The zip's files by name (common top folder removed), or ImportRefused."""
    if not data:
        raise ImportRefused("Choose a zip file to import (field 'file').")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except ZIP_ERRORS as error:
        raise ImportRefused(
            "That is not a zip file. Export a site, or zip a folder of .md files."
        ) from error
    if len(infos) > MAX_ENTRIES:
        raise ImportRefused(
            f"The zip has {len(infos)} entries; at most {MAX_ENTRIES} are accepted.", 413
        )
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise ImportRefused(
            f"The zip unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB; split it up.", 413
        )
    files: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe(name):
            raise ImportRefused(
                f"The zip contains an unsafe path ({name[:100]!r}); nothing was imported."
            )
        if (
            info.is_dir()
            or name.startswith("__MACOSX/")
            or any(p.startswith(".") for p in name.split("/"))
        ):
            continue
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{name} is encrypted; import an unencrypted zip.")
        limit = _limit(name)
        if info.file_size > limit:
            raise ImportRefused(
                f"{name} is too large (the limit is {media_service.human_size(limit)}).", 413
            )
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportRefused(
                f"{name} is compressed suspiciously well (a zip bomb?); refused.", 413
            )
        try:
            with archive.open(info) as handle:
                content = handle.read(limit + 1)
        except ZIP_ERRORS as error:
            raise ImportRefused(f"{name} could not be read from the zip: it is damaged.") from error
        total += len(content)
        if len(content) > limit or total > MAX_TOTAL_BYTES:
            raise ImportRefused(f"{name} unpacks larger than its header says; refused.", 413)
        if name in files:
            raise ImportRefused(f"The zip contains {name} twice.")
        files[name] = content
    files = _strip_top_folder(files)
    check_work(files)
    return files


def check_work(files: dict[str, bytes]) -> None:
    """Bound what applying the zip will cost, before anything is applied: the image pixels it
    will decode (read from headers), and the CPU time its pages take to render (rendered here
    under one budget for the whole zip; a page the later checks refuse is not rendered)."""
    config = current_app.config
    most = int(config["IMPORT_MAX_PIXELS"])
    pixels = sum(
        image_budget.claimed_pixels(io.BytesIO(content))
        for name, content in files.items()
        if name.startswith("media/")
    )
    if pixels > most:
        raise ImportRefused(
            f"The zip's images have {pixels / 1e6:.0f} megapixels together; at most "
            f"{most / 1e6:.0f} are imported at a time. Split it up.",
            413,
        )
    seconds = float(config["IMPORT_RENDER_SECONDS"])
    allowance = render_budget.RenderAllowance(seconds)
    longest = int(config.get("PAGE_MAX_BODY_CHARS", 250_000))
    for name, content in sorted(files.items()):
        if not name.endswith((".md", ".markdown")) or name.startswith("media/"):
            continue
        try:
            body = parse_document(name, decode_text(name, content)).body
        except ImportRefused:
            continue  # page_fields and friends say what is wrong with it
        if len(body) > longest:
            continue
        try:
            allowance.render(body)
        except render_budget.TooMuchToRender:
            raise ImportRefused(
                f"The pages of this zip take too long to render (more than {seconds:g} s of "
                f"work; {name} is where it ran out). Import fewer pages at a time, or split "
                "very large tables and lists.",
                413,
            ) from None


def _strip_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        cut = len(tops.pop()) + 1
        return {name[cut:]: content for name, content in files.items()}
    return files


@dataclass
class PageSpec:
    source: str
    meta: dict
    body: str


def decode_text(name: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(f"{name} is not UTF-8 text; save it as UTF-8 and try again.") from error


def parse_document(name: str, text: str) -> PageSpec:
    match = FRONT_MATTER.match(text)
    meta: object = {}
    body = text
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as error:
            raise ImportRefused(f"{name}: the front matter is not valid YAML.") from error
        except (ValueError, OverflowError) as error:
            # YAML that parses but names an impossible value: a date like 2024-02-30, a
            # year 0, or a time-zone offset of a day or more.
            raise ImportRefused(
                f"{name}: the front matter holds an impossible value ({error})."
            ) from error
        body = text[match.end() :]
    if not isinstance(meta, dict):
        raise ImportRefused(f"{name}: the front matter must be a list of 'key: value' lines.")
    return PageSpec(name, meta, body)


def _text(spec: PageSpec, key: str, default: str, limit: int) -> str:
    value = spec.meta.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ImportRefused(f"{spec.source}: '{key}' must be text.")
    value = str(value).strip()
    if len(value) > limit:
        raise ImportRefused(f"{spec.source}: '{key}' is longer than {limit} characters.")
    return value


def _when(spec: PageSpec, key: str) -> datetime | None:
    value = spec.meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:
            raise ImportRefused(
                f"{spec.source}: '{key}' is not a date ({value[:40]!r})."
            ) from error
    if not isinstance(value, datetime):
        raise ImportRefused(f"{spec.source}: '{key}' is not a date.")
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError as error:  # 0001-01-01 +05:00 or 9999-12-31 -05:00 in UTC
            raise ImportRefused(
                f"{spec.source}: '{key}' is outside the calendar once moved to UTC."
            ) from error
    return value


def _first_heading(body: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", body, re.M)
    return match.group(1).strip()[:200] if match else None


def _reader_fields(spec: PageSpec) -> dict:
    """`tags` and `old_slugs` from the front matter: lists of text, checked here."""
    from .tags import parse_tags

    found = {}
    for key in ("tags", "old_slugs"):
        value = spec.meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ImportRefused(f"{spec.source}: '{key}' must be a list of text.")
        found[key] = [v.replace("\x00", "") for v in value[:200]]
    try:
        parse_tags(found["tags"])
    except PageError as error:
        raise ImportRefused(f"{spec.source}: {error.message}") from None
    return found


def page_fields(spec: PageSpec) -> dict:
    """Checked values for a Page; ImportRefused names the file and the field."""
    stem = spec.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    title = _text(spec, "title", _first_heading(spec.body) or stem, 200) or stem[:200] or "Untitled"
    slug = _text(spec, "slug", stem, 200)
    if slug_error(slug):
        slug = slugify(slug) or slugify(title) or "untitled"
        if slug in RESERVED_SLUGS:
            slug = f"{slug}-page"
    kind = _text(spec, "kind", "page", 10)
    status = _text(spec, "status", "draft", 10)
    if kind not in ("page", "post"):
        raise ImportRefused(f"{spec.source}: 'kind' must be page or post.")
    if status not in ("draft", "published"):
        raise ImportRefused(f"{spec.source}: 'status' must be draft or published.")
    is_home = spec.meta.get("is_home", False)
    if not isinstance(is_home, bool):
        raise ImportRefused(f"{spec.source}: 'is_home' must be true or false.")
    limit = int(current_app.config.get("PAGE_MAX_BODY_CHARS", 250_000))
    if len(spec.body) > limit:
        raise ImportRefused(
            f"{spec.source}: the text is {len(spec.body):,} characters; the limit is {limit:,}.",
            413,
        )
    fields = {
        "title": title,
        "slug": slug,
        "kind": kind,
        "status": status,
        "description": _text(spec, "description", "", 300),
        "is_home": is_home,
        "body": spec.body,
    }
    fields.update({key: _when(spec, key) for key in DATE_FIELDS})
    fields.update(_reader_fields(spec))
    if status == "published" and fields["published_at"] is None:
        fields["published_at"] = utcnow()
    return fields
