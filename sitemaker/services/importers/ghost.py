"""Ghost's export (Settings → Labs → Export, or Settings → Advanced → Import/Export): JSON with
the database under db[0].data. Bodies: `html` when present, else the Markdown cards and text
of `mobiledoc`, else the text of `lexical`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ..pages import slugify
from ..transfer_import import ImportRefused
from .html_to_markdown import plain_text, to_markdown
from .source import Item, Source, check_size, decode

STATUSES = {"published": "published", "scheduled": "published", "draft": "draft"}
WRONG_SHAPE = (
    'This JSON file is not a Ghost export: expected {"db": [{"data": {"posts": [...]}}]}. '
    "In Ghost, use Settings → Advanced → Import/Export → Export content."
)


def _data(data: bytes) -> dict:
    check_size(data, "Ghost export")
    try:
        document = json.loads(decode(data, "Ghost export"))
    except ValueError as error:
        raise ImportRefused(
            f"The Ghost export is not complete JSON ({error.args[0][:80]}); it may have been cut "
            "off. Export it again."
        ) from None
    except RecursionError:
        raise ImportRefused("The Ghost export is nested too deeply to be an export.") from None
    db = document.get("db") if isinstance(document, dict) else None
    first = db[0] if isinstance(db, list) and db and isinstance(db[0], dict) else None
    content = first.get("data") if first else None
    if not isinstance(content, dict) or not isinstance(content.get("posts"), list):
        raise ImportRefused(WRONG_SHAPE)
    return content


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _mobiledoc(raw: object) -> str:
    try:
        doc = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return ""
    if not isinstance(doc, dict):
        return ""
    parts = []
    for card in doc.get("cards") or []:
        if isinstance(card, list) and len(card) == 2 and isinstance(card[1], dict):
            text = card[1].get("markdown") or card[1].get("html") or ""
            if isinstance(text, str):
                parts.append(text)
    for section in doc.get("sections") or []:
        if isinstance(section, list) and len(section) > 2 and isinstance(section[2], list):
            words = [m[3] for m in section[2] if isinstance(m, list) and len(m) > 3]
            parts.append("".join(w for w in words if isinstance(w, str)))
    return "\n\n".join(p for p in parts if p.strip())


def _lexical(raw: object) -> str:
    try:
        doc = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return ""
    paragraphs = []

    def text_of(node: object) -> str:
        if not isinstance(node, dict):
            return ""
        if isinstance(node.get("text"), str):
            return node["text"]
        return "".join(text_of(child) for child in node.get("children") or [])

    root = doc.get("root") if isinstance(doc, dict) else None
    for block in (root or {}).get("children") or []:
        paragraphs.append(text_of(block))
    return "\n\n".join(p for p in paragraphs if p.strip())


def _body(post: dict) -> str:
    if isinstance(post.get("html"), str) and post["html"].strip():
        return to_markdown(post["html"])
    return _mobiledoc(post.get("mobiledoc")) or _lexical(post.get("lexical"))


def parse(data: bytes) -> Source:
    content = _data(data)
    tags = {
        t["id"]: t["name"]
        for t in content.get("tags") or []
        if isinstance(t, dict)
        and isinstance(t.get("name"), str)
        # Ghost's internal tags (#hash) organise a site; visitors never see them.
        and not t["name"].startswith("#")
    }
    links: dict[object, list[tuple[int, str]]] = {}
    for link in content.get("posts_tags") or []:
        if isinstance(link, dict) and link.get("tag_id") in tags:
            order = link.get("sort_order") if isinstance(link.get("sort_order"), int) else 0
            links.setdefault(link.get("post_id"), []).append((order, tags[link["tag_id"]]))
    source = Source("ghost")
    for post in content["posts"]:
        if not isinstance(post, dict):
            source.skipped.append(("an entry of posts", "it is not an object"))
            continue
        title = " ".join(str(post.get("title") or "").split())[:200] or "Untitled"
        kind = "page" if post.get("type") == "page" or post.get("page") is True else "post"
        label = f"{kind} “{title[:60]}”"
        status = post.get("status")
        if status not in STATUSES:
            source.skipped.append((label, f"status '{str(status)[:20]}' is not imported"))
            continue
        slug = slugify(str(post.get("slug") or "")) or slugify(title) or "untitled"
        excerpt = post.get("custom_excerpt")
        source.items.append(
            Item(
                source_id=f"ghost:{post.get('uuid') or post.get('id')}",
                kind=kind,
                title=title,
                slug=slug,
                status=STATUSES[status],
                body=_body(post),
                published_at=_date(post.get("published_at")),
                updated_at=_date(post.get("updated_at")),
                description=plain_text(excerpt, 300) if isinstance(excerpt, str) else "",
                tags=[name for _, name in sorted(links.get(post.get("id"), []))],
                old_paths=[str(post.get("slug"))] if post.get("slug") else [],
                label=label,
            )
        )
    source.notes.append(
        "Ghost's members, newsletters, authors, feature images and settings are not imported; "
        "images at __GHOST_URL__ addresses (the export omits the old site's address) are "
        "listed below and keep their address."
    )
    return source
