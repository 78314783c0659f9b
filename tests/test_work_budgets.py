"""The work a member can ask for at will is bounded: the editor's preview and an import render
Markdown within a CPU budget, an import's images within a pixel budget, and preview, import
and export are limited per member. Front matter with impossible dates is a 400, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest

from sitemaker.extensions import db
from sitemaker.models import Page
from sitemaker.services import render_budget
from tests.dash_client import add_member, csrf_token
from tests.dash_helpers import csrf_from, image_bytes

# Table rows cost ~20 times what prose of the same length does (seconds for 240k characters).
TABLE = "|a|b|c|\n|-|-|-|\n" + "|x|y|z|\n" * 30_000
PROSE = ("Plain words in a paragraph, nothing more to it than that.\n\n") * 4_000


def preview(client, body, token=None):
    return client.post(
        "/admin/preview", subdomain="acme", json={"body": body},
        headers={"Accept": "application/json", "X-CSRFToken": token or csrf_token(client)},
    )  # fmt: skip


def make_zip(entries: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def import_zip(client, data: bytes):
    form = {"csrf_token": csrf_from(client, "/admin/import", "acme"),
            "file": (io.BytesIO(data), "site.zip")}  # fmt: skip
    return client.post("/admin/import", data=form, subdomain="acme")


def import_outcome(client, data: bytes) -> dict:
    """An import runs as a job (synchronously in tests): the form answers with the job's status
    page, whose JSON says how it ended and why."""
    started = import_zip(client, data)
    assert started.status_code == 302, started.data
    status = client.get(started.headers["Location"] + ".json", subdomain="acme")
    return status.get_json()


def page_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Page)).all())


def test_preview_of_a_huge_table_is_refused_and_prose_is_not(signed_in, app):
    assert len(TABLE) < app.config["PAGE_MAX_BODY_CHARS"]
    refused = preview(signed_in, TABLE)
    assert refused.status_code == 413
    assert "takes too long to preview" in refused.get_json()["message"]
    shown = preview(signed_in, PROSE)
    assert shown.status_code == 200 and shown.get_json()["html"].count("<p>") == 4_000


def test_preview_is_limited_per_member(signed_in, app, make_user, site, login):
    app.config["RATELIMIT_PREVIEW"] = "3 per minute"
    token = csrf_token(signed_in)
    answers = [preview(signed_in, "*hi*", token).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    editor = make_user("ed@example.org")
    add_member(app, site, editor, "editor")
    other = app.test_client()
    login(other, editor, "acme")
    assert preview(other, "*hi*").status_code == 200  # a budget of their own


def test_an_import_that_takes_too_long_to_render_changes_nothing(signed_in, app):
    app.config["IMPORT_RENDER_SECONDS"] = 1.0
    before = page_count(app)
    data = make_zip({f"table{n}.md": TABLE for n in range(10)})
    assert len(data) < 20_000  # the finding: a few kilobytes of zip
    refused = import_outcome(signed_in, data)
    assert refused["status"] == "failed" and "take too long to render" in refused["message"]
    assert page_count(app) == before
    fine = import_outcome(signed_in, make_zip({f"prose{n}.md": PROSE for n in range(3)}))
    assert fine["status"] == "done" and page_count(app) == before + 3


def test_an_imports_images_have_a_pixel_budget(signed_in, app):
    app.config["IMPORT_MAX_PIXELS"] = 2_000  # one 40 x 30 image fits, two do not
    two = {
        "page.md": "hi",
        "media/a.png": image_bytes(),
        "media/b.png": image_bytes(color=(1, 2, 3)),
    }
    refused = import_outcome(signed_in, make_zip(two))
    assert refused["status"] == "failed" and "megapixels together" in refused["message"]
    one = import_outcome(signed_in, make_zip({"page.md": "hi", "media/a.png": image_bytes()}))
    assert one["status"] == "done"


def test_import_and_export_share_a_limit_per_member(signed_in, app):
    app.config["RATELIMIT_TRANSFER"] = "2 per hour"
    assert signed_in.get("/admin/export?download=1", subdomain="acme").status_code == 200
    assert signed_in.get("/admin/export", subdomain="acme").status_code == 200  # the page is free
    assert import_zip(signed_in, make_zip({"one.md": "# One"})).status_code == 302
    over = signed_in.get("/admin/export?download=1", subdomain="acme")
    assert over.status_code == 429 and b"Too many requests" in over.data
    assert import_zip(signed_in, make_zip({"two.md": "# Two"})).status_code == 429


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31 23:59:59 -5",
        "'0001-01-01T00:00:00+05:00'",
        "'9999-12-31T23:59:59-01:00'",
        "2024-02-30",
        "0000-01-01",
        "2024-01-01T00:00:00+99:00",
    ],
)
def test_impossible_front_matter_dates_are_a_clear_refusal(signed_in, app, value):
    document = f"---\ntitle: Edge\npublished_at: {value}\n---\nBody\n"
    refused = import_outcome(signed_in, make_zip({"edge.md": document}))
    assert refused["status"] == "failed" and "edge.md" in refused["message"], refused
    assert page_count(app) == 0


def test_dates_at_the_edge_without_a_shift_still_import(signed_in, app):
    document = "---\ntitle: Old\npublished_at: 0001-01-01T00:00:00Z\nstatus: published\n---\nBody\n"
    assert import_zip(signed_in, make_zip({"old.md": document})).status_code == 302
    with app.app_context():
        page = db.session.scalar(db.select(Page).where(Page.slug == "old"))
        assert page.published_at.year == 1


def test_a_shared_allowance_is_spent_by_every_render():
    allowance = render_budget.RenderAllowance(0.5)
    assert "<p>short</p>" in allowance.render("short")
    with pytest.raises(render_budget.TooMuchToRender):
        for _ in range(50):
            allowance.render(TABLE)
    assert allowance.left <= 0


def test_other_threads_cpu_never_counts_against_a_render():
    """The process's other threads (job runners, listeners, flushes) burn CPU too: the budget
    is this thread's own, so prose well under it still renders while they spin."""
    import threading
    import time

    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(10_000))

    spinners = [threading.Thread(target=spin, daemon=True) for _ in range(3)]
    for spinner in spinners:
        spinner.start()
    try:
        busy_until = time.process_time() + 0.6  # the process's CPU clock runs ahead of ours
        while time.process_time() < busy_until:
            time.sleep(0.01)
        started = time.thread_time()
        render_budget.render_within(PROSE, 0)  # its own cost here, under this very load
        own = time.thread_time() - started
        # Three spinners take about three quarters of the process's CPU: a budget of three
        # times the render's own cost is spent by the process long before by this thread.
        html = render_budget.render_within(PROSE, max(3 * own, 0.05))
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()
    assert html.count("<p>") == 4_000
    with pytest.raises(render_budget.TooMuchToRender):
        render_budget.render_within(TABLE, 0.2)
