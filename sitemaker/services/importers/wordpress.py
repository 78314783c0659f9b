"""WordPress's export (Tools → Export, WXR 1.1 and 1.2): an RSS file with WordPress's own
elements. Parsed with defusedxml: no DTD, no entities, no network, so an XML bomb or an
external entity is refused rather than expanded."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ..pages import slugify
from ..transfer_import import ImportRefused
from .html_to_markdown import plain_text, to_markdown
from .source import Item, Source, check_size, decode, old_path

STATUSES = {"publish": "published", "future": "published", "draft": "draft", "pending": "draft",
            "private": "draft"}  # fmt: skip
KINDS = {"post": "post", "page": "page"}
IGNORED_TYPES = {"revision", "nav_menu_item", "attachment", "customize_changeset", "oembed_cache",
                 "wp_global_styles", "wp_navigation", "wp_template", "wp_template_part",
                 "custom_css", "user_request", "wp_font_family", "wp_font_face"}  # fmt: skip
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}


def _name(tag: str) -> str:
    """ "{http://wordpress.org/export/1.2/}post_id" -> "wp:post_id", whatever the version."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith("http://wordpress.org/export/"):
        return ("excerpt:" if uri.rstrip("/").endswith("excerpt") else "wp:") + local
    return f"{PREFIXES.get(uri, uri)}:{local}"


def _fields(element: Element) -> dict[str, str]:
    return {_name(child.tag): (child.text or "") for child in element}


def parse_xml(data: bytes) -> Element:
    check_size(data, "WordPress export")
    decode(data, "WordPress export")
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise ImportRefused(
            "The WordPress export declares a DTD or entities, which a real export never does; "
            "it was refused unread."
        ) from None
    except ParseError as error:
        raise ImportRefused(
            f"The WordPress export is not complete XML ({error}); it may have been cut off. "
            "Export it again."
        ) from None


def _date(fields: dict[str, str]) -> datetime | None:
    gmt = fields.get("wp:post_date_gmt", "").strip()
    if gmt and not gmt.startswith("0000"):
        try:
            return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            pass
    try:
        when = parsedate_to_datetime(fields.get("pubDate", ""))
    except (TypeError, ValueError, IndexError):
        return None
    if when.year < 1900:  # drafts carry "Mon, 30 Nov -0001 00:00:00 +0000"
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _menu(items: list[tuple[dict[str, str], dict[str, str]]], base: str) -> list[str]:
    entries = []
    for fields, meta in items:
        if meta.get("_menu_item_type") != "post_type" or not meta.get("_menu_item_object_id"):
            continue
        order = (
            int(fields.get("wp:menu_order") or 0)
            if fields.get("wp:menu_order", "").isdigit()
            else 0
        )
        entries.append((order, f"wordpress:{base}:{meta['_menu_item_object_id']}"))
    return [source_id for _, source_id in sorted(entries)]


def parse(data: bytes) -> Source:
    root = parse_xml(data)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ImportRefused("This XML file is not a WordPress export (no <rss><channel>).")
    head = _fields(channel)
    if "wp:wxr_version" not in head:
        raise ImportRefused(
            "This RSS file is not a WordPress export (it has no wp:wxr_version); in WordPress, "
            "use Tools → Export → All content."
        )
    base = (head.get("wp:base_blog_url") or head.get("link") or "").strip().rstrip("/")
    source = Source("wordpress")
    menu_items = []
    attachments = 0
    for element in channel.iter("item"):
        fields = _fields(element)
        post_type = fields.get("wp:post_type", "post")
        meta = {
            _fields(m).get("wp:meta_key", ""): _fields(m).get("wp:meta_value", "")
            for m in element
            if _name(m.tag) == "wp:postmeta"
        }
        label = f"{post_type} {fields.get('wp:post_id', '?')} “{fields.get('title', '')[:60]}”"
        if post_type == "nav_menu_item":
            menu_items.append((fields, meta))
            continue
        if post_type == "attachment":
            attachments += 1
            continue
        if post_type not in KINDS:
            why = "WordPress's own bookkeeping" if post_type in IGNORED_TYPES else "a custom type"
            source.skipped.append((label, f"type '{post_type}' is {why}; not imported"))
            continue
        status = fields.get("wp:status", "")
        if status not in STATUSES:
            source.skipped.append((label, f"status '{status}' (trash, auto-draft) is not imported"))
            continue
        source.items.append(_item(element, fields, meta, base, label))
    source.menu = _menu(menu_items, base)
    if attachments:
        source.notes.append(
            f"{attachments} attachment(s) listed; the images the text shows are fetched from the "
            "old site, other attachments are not."
        )
    return source


def _item(element: Element, fields: dict, meta: dict, base: str, label: str) -> Item:
    post_id = fields.get("wp:post_id", "").strip()
    title = " ".join(fields.get("title", "").split())[:200] or "Untitled"
    slug = unquote(fields.get("wp:post_name", "").strip())
    tags = []
    for category in element.iter("category"):
        name = " ".join((category.text or "").split())
        if category.get("domain") in ("category", "post_tag") and name:
            if category.get("nicename") != "uncategorized" and name not in tags:
                tags.append(name[:60])
    kind = KINDS[fields.get("wp:post_type", "post")]
    paths = [old_path(fields.get("link", "")) or ""]
    if post_id.isdigit():
        paths.append(f"?page_id={post_id}" if kind == "page" else f"?p={post_id}")
    excerpt = fields.get("excerpt:encoded", "")
    return Item(
        source_id=f"wordpress:{base}:{post_id}",
        kind=kind,
        title=title,
        slug=slugify(slug) or slugify(title) or "untitled",
        status=STATUSES[fields.get("wp:status", "draft")],
        body=to_markdown(fields.get("content:encoded", ""), wordpress=True),
        published_at=_date(fields),
        description=plain_text(excerpt, 300),
        tags=tags,
        old_paths=[p for p in paths if p],
        label=label,
    )
