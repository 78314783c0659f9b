"""When a post's mailing starts: at the commit that publishes it, or once its scheduled time
has passed (send_due), and the writer's per-post "publish without emailing".

Scheduled posts become visible without any write (the visitor path compares published_at with
the clock), so something must look for them: send_due, run every minute by
`flask subscribers send-due` from a systemd timer (nginx/README.md), and, in a process without
REDIS_URL (`make run`), by a thread of that process. It is idempotent: a post already having
its NewsletterSend row is never started again, so two timers, or a timer and a publish, send once.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..extensions import db
from ..models import NewsletterSend, Page, PageRevision, Site
from ..models.common import utcnow
from . import jobs, newsletter


def send_due(now: datetime) -> int:
    """Queue start_send for every visible post of an active site never mailed, published
    within NEWSLETTER_MAX_AGE_HOURS; settle runs whose last batches raced. Returns how many."""
    max_age = timedelta(hours=float(current_app.config.get("NEWSLETTER_MAX_AGE_HOURS", 48)))
    mailed = select(NewsletterSend.page_id)
    due = db.session.scalars(
        select(Page.id)
        .join(Site, Site.id == Page.site_id)
        .where(
            Page.kind == "post",
            Page.status == "published",
            Page.deleted_at.is_(None),
            Page.published_at <= now,
            Page.published_at > now - max_age,
            Site.status == "active",
            Page.id.not_in(mailed),
        )
    ).all()
    for page_id in due:
        jobs.enqueue(newsletter.start_send, page_id, description=f"post mail for page {page_id}")
    stale = db.session.scalars(
        select(NewsletterSend.id).where(
            NewsletterSend.status == "sending", NewsletterSend.created_at < now - timedelta(hours=1)
        )
    ).all()
    for send_id in stale:
        newsletter._finish_if_complete(send_id)
    return len(due)


def set_post_mailing(site: Site, page: Page, enabled: bool) -> bool:
    """ "Publish without emailing": an "off" row holds the post's one mailing so it never goes.
    False once the post was already mailed (or skipped): that cannot be undone. Caller commits."""
    send = db.session.scalar(select(NewsletterSend).where(NewsletterSend.page_id == page.id))
    if send is not None and send.status != "off":
        return False
    if not enabled and send is None:
        db.session.add(
            NewsletterSend(
                site_id=site.id,
                page_id=page.id,
                status="off",
                message="Published without emailing.",
            )
        )
    elif enabled and send is not None:
        db.session.delete(send)
        if page.is_visible(utcnow()):
            jobs.enqueue(
                newsletter.start_send, page.id, description=f"post mail for page {page.id}"
            )
    return True


def _published_now(session: Session, flush_context) -> None:
    """After a flush: a post that may just have become visible gets its mailing queued; it
    starts only once this transaction commits (jobs.enqueue), and only if never mailed.
    A Page whose status or time changed is one sign; a new revision is the other, since the
    editor's save is a conditional UPDATE the session does not track (services/pages)."""
    now, pages = utcnow(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Page) and obj.kind == "post" and obj.is_visible(now):
            state = inspect(obj)
            if obj in session.new or any(
                state.attrs[name].history.has_changes() for name in ("status", "published_at")
            ):
                pages.add(obj.id)
        elif isinstance(obj, PageRevision) and obj in session.new:
            page = session.identity_map.get(identity_key(Page, obj.page_id))
            if page is not None and page.kind == "post" and page.is_visible(now):
                pages.add(page.id)
    for page_id in sorted(pages):
        jobs.enqueue(newsletter.start_send, page_id, description=f"post mail for page {page_id}")


_thread_pid: int | None = None


def _start_timer(app: Flask) -> None:
    """Without Redis, this process runs send_due every minute itself (`make run`)."""
    global _thread_pid
    if _thread_pid == os.getpid():
        return
    _thread_pid = os.getpid()

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(60):
            with app.app_context():
                try:
                    send_due(utcnow())
                    db.session.commit()
                except sa.exc.SQLAlchemyError:
                    app.logger.exception("send_due failed; trying again in a minute")
                    db.session.rollback()

    threading.Thread(target=loop, name="sitemaker-send-due", daemon=True).start()


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_flush", _published_now):
        event.listen(Session, "after_flush", _published_now)
    if not app.config.get("REDIS_URL") and app.config.get("JOBS_EMBEDDED", "thread") == "thread":
        app.before_request(lambda: _start_timer(app))
