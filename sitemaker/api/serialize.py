"""What the API answers with: plain dicts matching the schemas in openapi.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from ..models import Media, Page, PageRevision
from ..models.common import utcnow


def when(moment: datetime | None) -> str | None:
    """Naive UTC from the database as RFC 3339 with a Z."""
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def page_summary(page: Page) -> dict[str, Any]:
    scheduled = page.status == "published" and bool(
        page.published_at and page.published_at > utcnow()
    )
    return {
        "id": page.id,
        "kind": page.kind,
        "slug": page.slug,
        "title": page.title,
        "description": page.description,
        "status": page.status,
        "scheduled": scheduled,
        "is_home": page.is_home,
        "version": page.version,
        "author_id": page.author_id,
        "published_at": when(page.published_at),
        "created_at": when(page.created_at),
        "updated_at": when(page.updated_at),
        "url": url_for("site.page", slug=page.slug, _external=True),
    }


def page_detail(page: Page) -> dict[str, Any]:
    from ..services.tags import tag_names

    return {**page_summary(page), "body": page.body, "html": page.html, "tags": tag_names(page.id)}


def revision(item: PageRevision) -> dict[str, Any]:
    return {
        "id": item.id,
        "page_id": item.page_id,
        "title": item.title,
        "body": item.body,
        "reason": item.reason,
        "page_version": item.page_version,
        "author_id": item.author_id,
        "created_at": when(item.created_at),
    }


def media(row: Media) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "width": row.width,
        "height": row.height,
        "url": f"/media/{row.stored_name}",
        "web_url": f"/media/{row.web_name or row.stored_name}",
        "created_at": when(row.created_at),
    }


def listing(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": (total + per_page - 1) // per_page,
    }
