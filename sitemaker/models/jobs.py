"""What background jobs leave behind in the database: the mail they sent (so a job run twice
sends once) and the site transfers (export, import) people watch from the dashboard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class SentMail(db.Model):
    """One delivered message, by the idempotency key its job carried. A job re-run after a
    crash finds its key here and does not send again."""

    __tablename__ = "sent_mail"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Transfer(db.Model):
    """A whole-site export or import, run as a job; its row is the status page's source."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # export | import
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")  # running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # The outcome for people: the import's summary, or why it failed.
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # Import options (on_conflict, replace_settings) as JSON.
    options: Mapped[str] = mapped_column(sa.Text, default="{}")
    file_name: Mapped[str | None] = mapped_column(sa.String(200))  # the download, once done
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
