"""Loading a page of g.site and deciding what the signed-in member may do with it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from ..extensions import db
from ..models import Page
from ..services.permissions import Permission, can

MAX_ID = 2**63 - 1


def check_id(value: int | None) -> int:
    """404 for ids no row can have: the URL converter accepts any size, the database does not."""
    if value is None or not 0 < value <= MAX_ID:
        abort(404)
    return value


def site_page(page_id: int, *, trashed: bool = False) -> Page:
    """A page of this site, or 404: another site's id looks exactly like a missing one."""
    check_id(page_id)
    deleted = Page.deleted_at.is_not(None) if trashed else Page.deleted_at.is_(None)
    return db.first_or_404(
        sa.select(Page).where(Page.id == page_id, Page.site_id == g.site.id, deleted)
    )


def user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def can_edit(page: Page) -> bool:
    """Editors edit anything; authors only their own drafts."""
    if can(Permission.EDIT_ANY):
        return True
    return can(Permission.WRITE) and page.author_id == user_id() and page.status == "draft"


def editable_page(page_id: int, *, trashed: bool = False) -> Page:
    page = site_page(page_id, trashed=trashed)
    if not can_edit(page):
        abort(403)
    return page
