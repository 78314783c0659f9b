"""A post to 10,000 subscribers over real `flask worker` processes and a real SMTP server,
with a worker SIGKILLed in the middle of the run: every address receives the post exactly
once (counted at the SMTP server). The send time is measured and kept for the note."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import redis
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import NewsletterDelivery, NewsletterSend
from tests.components import redis_url
from tests.job_workers import FAST, busy_worker, record, workers
from tests.newsletter_helpers import add_subscribers, publish
from tests.servers import wait_until

COUNT = 10_000


class CountingInbox:
    """Counts recipients of the messages the server accepted (nothing else is kept)."""

    def __init__(self) -> None:
        self.received: Counter = Counter()
        self.first: float | None = None
        self.last: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        self.received.update(envelope.rcpt_tos)
        return "250 OK"

    @property
    def total(self) -> int:
        return sum(self.received.values())


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller

    from tests.components import free_port

    handler, port = CountingInbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_ten_thousand_subscribers_worker_killed_each_gets_the_post_once(
    make_app, site, inbox, tmp_path, database_url
):
    handler, port = inbox
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    app = make_app(
        REDIS_URL=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="sitemaker <hello@example.test>",
        **FAST,
    )
    emails = [f"reader{n:05d}@example.org" for n in range(COUNT)]
    add_subscribers(app, site.id, emails)
    with workers(app, tmp_path / "workers", count=2) as (one, two):
        started = time.monotonic()
        post_id = publish(app, site.id, "To everyone")
        wait_until(lambda: handler.total >= COUNT // 4, "a quarter of the mail to go", 300)
        victim = busy_worker(app, [one, two]) or one
        victim.kill()  # SIGKILL to the worker and its work horse, mid-batch
        killed_at = handler.total
        with workers(app, tmp_path / "restarted"):  # a worker started again
            with app.app_context():

                def finished() -> bool:
                    db.session.rollback()
                    return (
                        db.session.scalar(
                            sa.select(NewsletterSend.status).where(
                                NewsletterSend.page_id == post_id
                            )
                        )
                        == "sent"
                    )

                wait_until(finished, "the run to finish after the kill", 600)
                deliveries = db.session.scalar(sa.select(sa.func.count(NewsletterDelivery.send_id)))
        elapsed = time.monotonic() - started
    assert COUNT // 4 <= killed_at < COUNT
    assert handler.total == COUNT
    assert set(handler.received) == set(emails)
    assert max(handler.received.values()) == 1
    assert deliveries == COUNT
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    sending = handler.last - handler.first
    record(
        f"newsletter_10k_{dialect}",
        {
            "messages": COUNT,
            "killed_after": killed_at,
            "publish_to_done_seconds": round(elapsed, 1),
            "first_to_last_message_seconds": round(sending, 1),
            "messages_per_second": round(COUNT / sending, 1),
        },
    )
    redis.Redis.from_url(url).flushdb()
