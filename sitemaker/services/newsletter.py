"""Each new post sent once to a site's confirmed subscribers, in batches over the job queue.

A post is sent when it becomes visible: published now (a flush that publishes a post queues
start_send for after the commit), or a scheduled time falling due (send_due, run every minute
by `flask subscribers send-due` from a timer, and by a thread in a process without Redis).
start_send writes the post's one NewsletterSend row (unique per post, so an edit, or
unpublishing and publishing again, sends nothing) and queues one send_batch job per
NEWSLETTER_BATCH subscribers. A batch reads what it needs, ends its transaction, and then
talks to the SMTP server, recording each delivery as it goes (services/newsletter_smtp): a
batch run again after a crash skips whoever already has a record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import NewsletterDelivery, NewsletterSend, NewsletterSettings, Page, Site, Subscriber
from ..models.common import utcnow
from . import jobs, newsletter_mail
from .newsletter_smtp import Refused, Sender
from .subscribers import site_link, unsubscribe_token


def daily_quota(site_id: int) -> int:
    settings = db.session.get(NewsletterSettings, site_id)
    if settings is not None and settings.daily_quota is not None:
        return settings.daily_quota
    return int(current_app.config.get("NEWSLETTER_DAILY_QUOTA", 20000))


def quota_left(site_id: int, now: datetime) -> int:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = db.session.scalar(
        select(func.count())
        .select_from(NewsletterDelivery)
        .where(NewsletterDelivery.site_id == site_id, NewsletterDelivery.at >= midnight)
    )
    return max(0, daily_quota(site_id) - used)


def _confirmed(site_id: int):
    return select(Subscriber.id).where(
        Subscriber.site_id == site_id, Subscriber.status == "confirmed"
    )


def start_send(page_id: int) -> None:
    """The job: begin mailing a post that is visible and was never mailed (or skip it)."""
    now = utcnow()
    page = db.session.get(Page, page_id)
    if page is None or page.kind != "post" or not page.is_visible(now):
        return
    site = db.session.get(Site, page.site_id)
    if site is None or not site.is_active:
        return
    if db.session.scalar(select(NewsletterSend.id).where(NewsletterSend.page_id == page_id)):
        return
    ids = list(db.session.scalars(_confirmed(site.id).order_by(Subscriber.id)))
    send = NewsletterSend(
        site_id=site.id, page_id=page.id, total=len(ids), last_subscriber_id=max(ids, default=0)
    )
    settings = db.session.get(NewsletterSettings, site.id)
    max_age = timedelta(hours=float(current_app.config.get("NEWSLETTER_MAX_AGE_HOURS", 48)))
    if settings is not None and not settings.sending_enabled:
        send.status, send.message = "skipped", "Sending posts by email is off for this site."
    elif page.published_at < now - max_age:
        send.status, send.message = "skipped", "Published too long before it could be sent."
    elif len(ids) > (left := quota_left(site.id, now)):
        send.status = "stopped"
        send.message = (
            f"Not sent: {len(ids)} subscribers, but only {left} of the daily sending quota "
            f"of {daily_quota(site.id)} messages is left today."
        )
    elif not ids:
        send.status, send.finished_at = "sent", now
    try:
        with db.session.begin_nested():
            db.session.add(send)
    except IntegrityError:  # another run started it a moment ago
        db.session.rollback()
        return
    if send.status == "sending":
        size = max(1, int(current_app.config.get("NEWSLETTER_BATCH", 500)))
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            jobs.enqueue(
                send_batch, send.id, chunk[0], chunk[-1], description=f"post mail {send.id}"
            )
    db.session.commit()


def send_batch(send_id: int, first_id: int, last_id: int) -> None:
    """The job: mail one range of subscribers who have no delivery record for this send."""
    send = db.session.get(NewsletterSend, send_id)
    if send is None or send.status != "sending":
        return
    page, site = db.session.get(Page, send.page_id), db.session.get(Site, send.site_id)
    now = utcnow()
    if page is None or not page.is_visible(now) or not site.is_active:
        _finish(send_id, "stopped", "The post was taken down before sending finished.")
        return
    done = select(NewsletterDelivery.subscriber_id).where(NewsletterDelivery.send_id == send_id)
    targets = db.session.execute(
        select(Subscriber.id, Subscriber.email)
        .where(
            Subscriber.site_id == site.id,
            Subscriber.status == "confirmed",
            Subscriber.id.between(first_id, last_id),
            Subscriber.id.not_in(done),
        )
        .order_by(Subscriber.id)
    ).all()
    left = quota_left(site.id, now)
    over_quota = len(targets) > left
    targets = targets[:left]
    post = newsletter_mail.prepare(site, page)
    site_id = site.id
    letters = [
        (sid, newsletter_mail.build(post, email, _unsubscribe_url(site, sid), f"{send_id}.{sid}"))
        for sid, email in targets
    ]
    db.session.commit()  # no transaction stays open while the SMTP server is talking
    with Sender() as sender:
        for subscriber_id, message in letters:
            _deliver(sender, message, send_id, subscriber_id, site_id)
    if over_quota:
        _finish(send_id, "stopped", "Stopped: the site's daily sending quota is used up.")
    else:
        _finish_if_complete(send_id)


def _unsubscribe_url(site: Site, subscriber_id: int) -> str:
    token = unsubscribe_token(Subscriber(id=subscriber_id, site_id=site.id))
    return site_link(site, f"/unsubscribe/{token}")


def _deliver(sender: Sender, message, send_id: int, subscriber_id: int, site_id: int) -> None:
    def record(status: str = "sent") -> None:
        if db.session.get_bind().dialect.name == "postgresql":
            # The commit is decided when PostgreSQL reads COMMIT; not waiting for its disk
            # flush keeps the moment between that and the message's last line short (a
            # database crash could lose the last records: those few would be sent again).
            db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
        db.session.add(
            NewsletterDelivery(
                send_id=send_id, subscriber_id=subscriber_id, site_id=site_id, status=status
            )
        )
        db.session.commit()

    def undo() -> None:
        db.session.execute(
            sa.delete(NewsletterDelivery).where(
                NewsletterDelivery.send_id == send_id,
                NewsletterDelivery.subscriber_id == subscriber_id,
            )
        )
        db.session.commit()

    try:
        sender.send(message, record, undo)
    except Refused as error:
        current_app.logger.warning("post mail to subscriber %s bounced: %s", subscriber_id, error)
        record("bounced")
        subscriber = db.session.get(Subscriber, subscriber_id)
        subscriber.status, subscriber.bounced_at = "bounced", utcnow()
        subscriber.bounce_reason = str(error)[:300]
        db.session.commit()


def _finish(send_id: int, status: str, message: str) -> None:
    send = db.session.get(NewsletterSend, send_id)
    if send.status == "sending":
        send.status, send.message, send.finished_at = status, message, utcnow()
    db.session.commit()


def _finish_if_complete(send_id: int) -> None:
    send = db.session.get(NewsletterSend, send_id)
    done = select(NewsletterDelivery.subscriber_id).where(NewsletterDelivery.send_id == send_id)
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Subscriber)
        .where(
            Subscriber.site_id == send.site_id,
            Subscriber.status == "confirmed",
            Subscriber.id <= send.last_subscriber_id,
            Subscriber.id.not_in(done),
        )
    )
    if waiting == 0:
        _finish(send_id, "sent", "")
    else:
        db.session.commit()
