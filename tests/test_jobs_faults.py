"""What a real job engine is for: a worker killed in the middle of a job, Redis gone while a
request enqueues, and a mail server down for a while. In each case every message is delivered,
and delivered once."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import threading
import time

import pytest
import redis
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import SentMail
from sitemaker.services import jobs, jobs_queue
from sitemaker.services.mail import deliver_mail, send_mail
from tests.accounts_flow import mails, signup
from tests.components import free_port, require_executable
from tests.conftest import PASSWORD
from tests.job_workers import FAST, busy_worker, job_status, queued_app_fixture, record, workers  # noqa: F401  (queued_app)
from tests.servers import wait_until
from tests.test_mail_smtp import Inbox


class HoldingInbox(Inbox):
    """Keeps messages like Inbox, but holds the first recipient command (before any message
    text is sent) until released: a job that reaches it is caught in the middle of sending."""

    def __init__(self) -> None:
        super().__init__()
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if not self.held.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover
        from tests.components import missing

        missing("aiosmtpd is not installed")
    started = []

    def start(handler, port: int):
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


def sent_keys(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SentMail))


def test_a_worker_killed_mid_job_loses_nothing_and_sends_once(queued_app, smtp, tmp_path):
    port = free_port()
    inbox = HoldingInbox()
    smtp(inbox, port)
    app = queued_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=30)
    with workers(app, tmp_path / "workers", count=2) as (one, two):
        with app.app_context():
            job_id = jobs.enqueue(
                deliver_mail,
                "survivor@example.org",
                "Still arrives",
                "once",
                "survivor-key",
                description="mail to survivor@example.org",
            )
        assert inbox.held.wait(30), "no worker reached the mail server"
        victim = busy_worker(app, [one, two])
        assert victim is not None
        survivor = two if victim is one else one
        killed_at = time.monotonic()
        victim.kill()  # SIGKILL to the worker and its work horse
        inbox.release.set()  # the dead connection's recipient is answered; no text follows

        wait_until(lambda: len(inbox.messages) == 1, "the other worker to run the job again", 60)
        record(
            "sigkill_to_delivery_by_the_other_worker_seconds",
            round(time.monotonic() - killed_at, 2),
        )
        wait_until(lambda: job_status(app, job_id) == "finished", "the job to finish", 30)
        assert survivor.process.poll() is None
    assert [m[1] for m in inbox.messages] == [["survivor@example.org"]]
    assert sent_keys(app) == 1
    # The survivor found the dead worker's job silent and ran it again under its retries.
    assert f"Job {job_id}: enqueued for retry" in survivor.output()
    assert "Successfully completed mail to survivor@example.org" in survivor.output()
    assert "Successfully completed" not in victim.output()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, to stop while the app runs (never the shared one)."""
    server = require_executable("redis-server")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.exceptions.ConnectionError:
            return False

    wait_until(answers, "the test's own redis-server")
    yield url, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_redis_down_while_enqueueing_runs_the_job_in_process(make_app, own_redis, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="sitemaker")
    url, process = own_redis
    app = make_app(REDIS_URL=url, JOBS_EMBEDDED="thread", **FAST)
    client = app.test_client()
    assert signup(client, "before@example.org", PASSWORD).status_code == 302
    assert jobs_queue.job_queue(app).count == 1  # Redis up: the job waits for a worker
    assert mails(tmp_path / "outbox") == []

    process.terminate()
    process.wait(timeout=10)
    response = signup(client.__class__(app), "during@example.org", PASSWORD)
    assert response.status_code == 302
    jobs.embedded(app).wait_idle()
    [message] = mails(tmp_path / "outbox")
    assert message["To"] == "during@example.org"
    assert "cannot enqueue mail to during@example.org" in caplog.text
    assert "Redis unavailable: job" in caplog.text


def test_mail_server_down_then_up_every_message_arrives_once(queued_app, smtp, tmp_path):
    port = free_port()
    app = queued_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, JOBS_RETRY_INTERVALS=[1, 1, 2, 2, 3, 5, 8]
    )
    addresses = [f"patient{n}@example.org" for n in range(5)]
    with app.app_context():
        for address in addresses:
            send_mail(address, "Eventually", f"for {address}")
    ids = jobs_queue.job_queue(app).get_job_ids()
    assert len(ids) == len(addresses)
    inbox = Inbox()
    with workers(app, tmp_path / "workers") as (worker,):

        def all_waiting_to_retry() -> bool:
            return all(job_status(app, i) == "scheduled" for i in ids)

        wait_until(all_waiting_to_retry, "every mail job to fail once and wait to retry")
        smtp(inbox, port)  # the mail server is back
        back_at = time.monotonic()
        wait_until(lambda: all(job_status(app, i) == "finished" for i in ids), "every job", 90)
        record("smtp_back_to_all_5_delivered_seconds", round(time.monotonic() - back_at, 2))
    received = sorted(recipient for _, (recipient,), _ in inbox.messages)
    assert received == sorted(addresses)
    assert sent_keys(app) == len(addresses)
    assert "Connection refused" in worker.output()
