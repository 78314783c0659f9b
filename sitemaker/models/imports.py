"""What an import brought from another platform, kept so that old links keep working and a
second import of the same export adds nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class ImportedKey(db.Model):
    """One key of an imported page: its id on the old platform (kind "source", e.g.
    "wordpress:https://old.example:123") or one of its old addresses (kind "path", e.g.
    "2019/05/hello-world" or "?p=123"), which answer 301 to the page."""

    __tablename__ = "imported_keys"
    __table_args__ = (sa.UniqueConstraint("site_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # source | path
    key: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
