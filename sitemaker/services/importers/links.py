"""Old links of imported pages: /2019/05/hello-world/, /?p=123 or a Ghost /<slug>/ answer
301 to the page's address here, per site."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import ImportedKey, Page
from ..pages import VISIBLE

_TARGET = (
    sa.select(Page.slug, Page.is_home)
    .join(ImportedKey, ImportedKey.page_id == Page.id)
    .where(
        VISIBLE,
        ImportedKey.site_id == sa.bindparam("site_id"),
        ImportedKey.kind == "path",
        ImportedKey.key == sa.bindparam("key"),
    )
)
QUERY_IDS = ("p", "page_id")


def query_key(args) -> str | None:
    """ "?p=123" for WordPress's query links (the only query strings that name a page)."""
    for name in QUERY_IDS:
        value = args.get(name, "")
        if value.isdigit() and len(value) < 20:
            return f"?{name}={value}"
    return None


def target(site_id: int, path_or_key: str, now: datetime) -> tuple[str, bool] | None:
    """(slug, is_home) of the visible page imported from that old address, else None."""
    key = path_or_key if path_or_key.startswith("?") else path_or_key.strip("/")
    if not key or len(key) > 300:
        return None
    row = db.session.execute(_TARGET, {"site_id": site_id, "key": key, "now": now}).first()
    return (row.slug, row.is_home) if row is not None else None
