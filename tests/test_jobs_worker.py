"""Jobs on Redis, run by real `flask worker` processes: mail, web copies and exports leave the
request; a job that used up its retries is listed in /ops and by `flask jobs`, and can be run
again or discarded."""

from __future__ import annotations

import io
import re
import time
import zipfile

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Media, SentMail, Site
from sitemaker.services import jobs_queue
from sitemaker.services.mail import send_mail
from sitemaker.services.pages import create_page
from tests.accounts_flow import APEX, mails, signup
from tests.components import free_port
from tests.conftest import PASSWORD
from tests.dash_helpers import csrf_from, image_bytes, upload_media
from tests.job_workers import job_status, queued_app_fixture, record, workers  # noqa: F401  (queued_app)
from tests.servers import wait_until
from tests.test_mail_smtp import Inbox


def test_confirmation_mail_waits_in_redis_until_a_worker_sends_it(queued_app, tmp_path):
    app = queued_app()
    client = app.test_client()
    assert signup(client, "queued@example.org", PASSWORD).status_code == 302
    assert mails(tmp_path / "outbox") == []
    assert jobs_queue.job_queue(app).count == 1
    with workers(app, tmp_path / "workers"):
        wait_until(lambda: len(mails(tmp_path / "outbox")) == 1, "the worker to send the mail")
    [message] = mails(tmp_path / "outbox")
    assert message["To"] == "queued@example.org"
    assert "http://example.test/confirm/" in message.get_body(("plain",)).get_content()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SentMail)) == 1


def test_the_upload_answers_with_the_original_and_a_worker_adds_the_web_copy(
    queued_app, make_user, make_site, login, tmp_path
):
    app = queued_app()
    owner = make_user("owner@example.org")
    make_site("acme", owner=owner)
    client = app.test_client()
    login(client, owner, "acme")
    response = upload_media(client, "acme", ("wide.png", image_bytes("PNG", size=(3200, 800))))
    assert response.status_code == 201
    [item] = response.get_json()["files"]
    assert item["web_url"] == item["url"]  # usable at once: the cleaned original
    assert client.get(item["url"], subdomain="acme").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Media.web_name)) is None

    def copied() -> bool:
        with app.app_context():
            return db.session.scalar(sa.select(Media.web_name)) is not None

    with workers(app, tmp_path / "workers"):
        wait_until(copied, "the worker to make the web copy")
    listed = client.get("/admin/media", subdomain="acme", headers={"Accept": "text/html"})
    with app.app_context():
        web_name = db.session.scalar(sa.select(Media.web_name))
    assert f"/media/{web_name}" in listed.get_data(as_text=True)
    assert client.get(f"/media/{web_name}", subdomain="acme").status_code == 200


def test_a_thousand_page_export_runs_on_a_worker_with_progress(
    queued_app, make_user, make_site, login, tmp_path
):
    app = queued_app()
    owner = make_user("owner@example.org")
    site = make_site("big", owner=owner)
    with app.app_context():
        row = db.session.get(Site, site.id)
        for n in range(1000):
            create_page(row, f"Page {n}", f"Page *{n}* of the big site.\n\n" + "Text. " * 80)
        db.session.commit()
    client = app.test_client()
    login(client, owner, "big")
    token = csrf_from(client, "/admin/export", "big")
    started = client.post("/admin/export", data={"csrf_token": token}, subdomain="big")
    status_url = started.headers["Location"] + ".json"
    assert client.get(status_url, subdomain="big").get_json()["status"] == "queued"
    seen: list[int] = []
    with workers(app, tmp_path / "workers"):
        began = time.monotonic()

        def finished() -> bool:
            status = client.get(status_url, subdomain="big").get_json()
            seen.append(status["percent"])
            assert status["status"] != "failed", status
            return status["status"] == "done"

        wait_until(finished, "the export job", timeout=120)
        took = time.monotonic() - began
    assert seen == sorted(seen) and seen[-1] == 100
    status = client.get(status_url, subdomain="big").get_json()
    download = client.get(status["download"], subdomain="big")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("pages/")]) == 1000
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]
    record(
        f"export_1000_pages_{database}",
        {
            "seconds_from_worker_start_to_done": round(took, 2),
            "zip_bytes": len(download.data),
            "progress_values_seen": sorted(set(seen)),
        },
    )


def test_failed_jobs_are_listed_and_can_be_retried_or_discarded(
    queued_app, make_user, login, tmp_path
):
    port = free_port()
    app = queued_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, JOBS_RETRY_INTERVALS=[0])
    with app.app_context():
        first = send_mail("first@example.org", "Hello", "one")
        second = send_mail("second@example.org", "Hello", "two")
    ids = [j.id for j in jobs_queue.job_queue(app).get_jobs()]
    assert first is True and second is True and len(ids) == 2
    operator = make_user("ops@example.org", is_operator=True)
    ops = app.test_client()
    login(ops, operator)
    runner = app.test_cli_runner()
    with workers(app, tmp_path / "workers"):

        def both_failed() -> bool:
            return all(job_status(app, i) == "failed" for i in ids)

        wait_until(both_failed, "both mail jobs to use up their retries")
        page = ops.get("/ops/jobs", base_url=APEX).get_data(as_text=True)
        assert "mail to first@example.org: Hello" in page
        assert "mail to second@example.org: Hello" in page
        assert page.count("ConnectionRefusedError: [Errno 111] Connection refused") == 2
        listed = runner.invoke(args=["jobs", "list"])
        assert listed.exit_code == 0 and "2 failed job(s)" in listed.output
        for job_id in ids:
            assert job_id in listed.output

        from aiosmtpd.controller import Controller

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            retried = runner.invoke(args=["jobs", "retry", ids[0]])
            assert retried.exit_code == 0 and f"{ids[0]}: queued again" in retried.output
            wait_until(lambda: len(inbox.messages) == 1, "the retried mail")
            discarded = runner.invoke(args=["jobs", "discard", ids[1]])
            assert discarded.exit_code == 0 and f"{ids[1]}: discarded" in discarded.output
        finally:
            controller.stop()
    assert [m[1] for m in inbox.messages] == [["first@example.org"]]
    after = runner.invoke(args=["jobs", "list"])
    assert "0 failed job(s)" in after.output
    unknown = runner.invoke(args=["jobs", "retry", "no-such-job"])
    assert unknown.exit_code != 0 and "no failed job 'no-such-job'" in unknown.output
    assert runner.invoke(args=["jobs", "retry"]).exit_code != 0


def test_ops_buttons_retry_and_discard_with_csrf(queued_app, make_user, login, tmp_path):
    port = free_port()
    app = queued_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, JOBS_RETRY_INTERVALS=[0])
    with app.app_context():
        send_mail("button@example.org", "Press", "one")
    [job_id] = [j.id for j in jobs_queue.job_queue(app).get_jobs()]
    operator = make_user("ops@example.org", is_operator=True)
    ops = app.test_client()
    login(ops, operator)
    with workers(app, tmp_path / "workers"):
        wait_until(lambda: job_status(app, job_id) == "failed", "the job to fail")
    page = ops.get("/ops/jobs", base_url=APEX).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    no_csrf = ops.post(f"/ops/jobs/{job_id}/discard", base_url=APEX)
    assert no_csrf.status_code == 400
    missing = ops.post("/ops/jobs/nope/retry", data={"csrf_token": token}, base_url=APEX)
    assert missing.status_code == 303
    assert "No failed job nope." in ops.get("/ops/jobs", base_url=APEX).get_data(as_text=True)
    done = ops.post(f"/ops/jobs/{job_id}/discard", data={"csrf_token": token}, base_url=APEX)
    assert done.status_code == 303
    page = ops.get("/ops/jobs", base_url=APEX).get_data(as_text=True)
    assert f"Job {job_id} is discarded." in page and "No failed jobs." in page
    audit = ops.get("/ops/audit", base_url=APEX).get_data(as_text=True)
    assert f"job:{job_id}" in audit and "job.discard" in audit


def test_worker_refuses_to_start_without_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output
