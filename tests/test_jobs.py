"""Background jobs without Redis (the embedded default), on SQLite and PostgreSQL: a job runs
only after its transaction commits, never for one that rolled back; jobs are safe to run
twice; bad input ends a job quietly with the reason logged; mail, web copies, export and
import all go through the one door."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Media, SentMail, Site, Transfer, User
from sitemaker.services import jobs, storage, transfer_jobs
from sitemaker.services.mail import deliver_mail, send_mail
from sitemaker.services.media_derivatives import make_web_copy
from sitemaker.services.transfer import export_site
from tests.accounts_flow import APEX, mails, signup, submit
from tests.conftest import PASSWORD
from tests.dash_helpers import csrf_from, image_bytes, upload_media


def test_a_job_waits_for_the_commit_and_never_runs_after_a_rollback(app, tmp_path):
    outbox = tmp_path / "outbox"
    with app.app_context():
        db.session.add(User(email="rolled@example.org", password_hash="x"))
        db.session.flush()
        send_mail("rolled@example.org", "Rolled back", "never sent")
        assert mails(outbox) == []  # waiting for the commit
        db.session.rollback()
    with app.app_context():
        db.session.add(User(email="kept@example.org", password_hash="x"))
        db.session.flush()
        send_mail("kept@example.org", "Committed", "sent")
        assert mails(outbox) == []
        db.session.commit()
        assert [m["Subject"] for m in mails(outbox)] == ["Committed"]
    with app.app_context():  # a later commit of the same kind does not revive the dropped one
        db.session.add(User(email="later@example.org", password_hash="x"))
        db.session.commit()
    assert [m["To"] for m in mails(outbox)] == ["kept@example.org"]


def test_a_savepoint_release_is_not_the_commit(app, tmp_path):
    with app.app_context():
        db.session.add(User(email="outer@example.org", password_hash="x"))
        db.session.flush()
        with db.session.begin_nested():
            send_mail("outer@example.org", "Inside a savepoint", "body")
        assert mails(tmp_path / "outbox") == []
        db.session.rollback()
    assert mails(tmp_path / "outbox") == []


def test_a_mail_job_run_twice_sends_once(app, tmp_path):
    with app.app_context():
        deliver_mail("twice@example.org", "Once", "body", "key-1")
        deliver_mail("twice@example.org", "Once", "body", "key-1")
        deliver_mail("twice@example.org", "Once", "body", "key-2")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SentMail)) == 2
    assert len(mails(tmp_path / "outbox")) == 2


def test_reset_for_an_unknown_address_ends_quietly(app, make_user, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="sitemaker")
    make_user("unconfirmed@example.org", email_confirmed_at=None)
    client = app.test_client()
    for address in ("nobody@example.org", "unconfirmed@example.org"):
        response = submit(client, "/reset", {"email": address})
        assert response.status_code == 200 and address in response.get_data(as_text=True)
    # Only the account gets a link; an unconfirmed one too, so its real owner can take it over.
    [message] = mails(tmp_path / "outbox")
    assert message["To"] == "unconfirmed@example.org"
    assert caplog.text.count("password reset asked for an address with no account") == 1


def test_signup_mail_is_sent_by_the_background_thread(make_app, tmp_path):
    app = make_app(JOBS_EMBEDDED="thread")
    client = app.test_client()
    assert signup(client, "threaded@example.org", PASSWORD).status_code == 302
    jobs.embedded(app).wait_idle()
    [message] = mails(tmp_path / "outbox")
    assert message["To"] == "threaded@example.org"
    assert "/confirm/" in message.get_body(("plain",)).get_content()


def test_the_web_copy_is_made_by_a_job_after_the_upload(app, signed_in, site):
    response = upload_media(signed_in, "acme", ("big.jpg", image_bytes("JPEG", size=(2400, 1200))))
    assert response.status_code == 201
    with app.app_context():
        row = db.session.scalar(sa.select(Media))
        assert row.web_name and row.web_name != row.stored_name
        web = storage.read(row.site_id, row.web_name)
        original_size = len(storage.read(row.site_id, row.stored_name))
        assert row.size == original_size + len(web)
        make_web_copy(row.id)  # run again: nothing changes
        assert db.session.get(Media, row.id).size == original_size + len(web)
    from PIL import Image

    assert Image.open(io.BytesIO(web)).size == (1600, 800)


def test_web_copy_job_with_bad_input_ends_quietly(app, site, caplog):
    caplog.set_level(logging.INFO, logger="sitemaker")
    with app.app_context():
        make_web_copy(987654)
        row = Media(
            site_id=site.id,
            stored_name="f" * 64 + ".png",
            original_name="broken.png",
            content_type="image/png",
            size=10,
            sha256="f" * 64,
            width=4000,
            height=3000,
        )
        db.session.add(row)
        db.session.commit()
        make_web_copy(row.id)  # its file is missing
        storage.save(site.id, row.stored_name, b"\x89PNG\r\n\x1a\n not really")
        make_web_copy(row.id)  # its file is damaged
        assert db.session.get(Media, row.id).web_name is None
    assert "media 987654 is gone" in caplog.text
    assert f"the file of media {row.id} (" in caplog.text
    assert f"media {row.id} cannot be decoded" in caplog.text


def test_export_reports_progress_for_every_item(app, site, make_page):
    for n in range(7):
        make_page(site, f"Page {n}", "Body")
    seen: list[tuple[int, int]] = []
    with app.app_context():
        data = export_site(db.session.get(Site, site.id), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, 7) for n in range(1, 8)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("pages/")]) == 7


def test_export_status_page_shows_a_progress_bar_and_the_download(app, signed_in, site):
    token = csrf_from(signed_in, "/admin/export", "acme")
    started = signed_in.post("/admin/export", data={"csrf_token": token}, subdomain="acme")
    location = started.headers["Location"]
    page = signed_in.get(location, subdomain="acme").get_data(as_text=True)
    assert '<progress id="transfer-progress" max="100" value="100">' in page
    assert "Finished." in page and "Download the zip" in page
    assert '<script src="/static/dash/transfer.js" defer></script>' in page
    assert (
        "script-src 'self'"
        in signed_in.get(location, subdomain="acme").headers["Content-Security-Policy"]
    )
    listing = signed_in.get("/admin/export", subdomain="acme").get_data(as_text=True)
    assert f'href="{location}"' in listing and "done" in listing


def test_transfers_are_scoped_to_their_site(app, signed_in, site, make_site, owner):
    other = make_site("other", owner=owner)
    with app.app_context():
        theirs = Transfer(site_id=other.id, kind="export", status="done", file_name="x.zip")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    for path in ("", ".json", "/download"):
        response = signed_in.get(f"/admin/transfers/{theirs_id}{path}", subdomain="acme")
        assert response.status_code == 404, path
    assert signed_in.get("/admin/transfers/abc", subdomain="acme").status_code == 404


def test_import_job_with_a_missing_upload_or_gone_row_ends_quietly(app, site, caplog):
    caplog.set_level(logging.INFO, logger="sitemaker")
    with app.app_context():
        transfer_jobs.run_import(424242)
        transfer = Transfer(site_id=site.id, kind="import", file_name="import-gone.zip")
        db.session.add(transfer)
        db.session.commit()
        transfer_jobs.run_import(transfer.id)
        row = db.session.get(Transfer, transfer.id)
        assert (row.status, row.message) == (
            "failed",
            "The uploaded file is no longer there; upload it again.",
        )
    assert "import 424242 is gone" in caplog.text
    assert f"import {transfer.id}: its upload is missing" in caplog.text


def test_an_import_job_run_again_after_it_finished_changes_nothing(app, signed_in, site):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.md", "# Hello\n\nfrom the zip")
    token = csrf_from(signed_in, "/admin/import", "acme")
    response = signed_in.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(out.getvalue()), "s.zip")},
        subdomain="acme",
    )
    status = signed_in.get(response.headers["Location"] + ".json", subdomain="acme").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["message"] == "Imported 1 page(s) and 0 file(s)."
    with app.app_context():
        transfer_jobs.run_import(status["id"])  # a re-run after a crash
        from sitemaker.models import Page

        assert db.session.scalars(sa.select(Page.slug)).all() == ["hello"]
        upload = Path(app.config["MEDIA_ROOT"]) / "transfers" / str(site.id)
        assert list(upload.glob("import-*")) == []  # the upload is removed once applied
        assert json.loads(db.session.get(Transfer, status["id"]).options) == {
            "on_conflict": "rename",
            "replace_settings": False,
        }


def test_ops_jobs_page_without_redis_says_where_failures_go(app, make_user, login):
    operator = make_user("ops@example.org", is_operator=True)
    client = app.test_client()
    login(client, operator)
    page = client.get("/ops/jobs", base_url=APEX).get_data(as_text=True)
    assert "REDIS_URL is not set" in page and "application log" in page
    nobody = app.test_client()
    assert nobody.get("/ops/jobs", base_url=APEX).status_code == 404
