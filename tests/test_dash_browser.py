"""The editor in a real browser: live preview, autosave creating the draft, Ctrl+S saving."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from sitemaker.extensions import db
from sitemaker.models import Page
from tests.components import free_port, missing, require_executable

pytestmark = pytest.mark.browser


@pytest.fixture
def live(make_app, make_user, make_site):
    """A real HTTP server for the app on a free port, stopped after the test."""
    port = free_port()
    app = make_app(SERVER_NAME=f"localhost:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, port
    server.shutdown()
    thread.join(timeout=5)


def session_cookie(app, user, host: str) -> str:
    serializer = app.session_interface.serializer_for_host(app, host)
    return serializer.dumps({"_user_id": user.get_id(), "_fresh": True, "_signed_in_here": True})


def test_editor_previews_autosaves_and_saves_with_ctrl_s(live, make_user, make_site):
    chromium = require_executable("chromium", "/usr/bin/chromium")
    try:
        from tests.components import playwright_session
    except ImportError:
        missing("playwright is not installed")
    app, port = live
    owner = make_user("owner@example.org")
    make_site("acme", owner=owner)
    base = f"http://acme.localhost:{port}"
    errors: list[str] = []
    with playwright_session() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--host-resolver-rules=MAP *.localhost 127.0.0.1",
            ],
        )
        try:
            context = browser.new_context()
            context.add_cookies(
                [
                    {
                        "name": "session",
                        "value": session_cookie(app, owner, base.split("//")[1]),
                        "url": base,
                    }
                ]
            )
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/admin/pages/new?kind=post")
            page.fill("[data-title]", "Browser notes")
            page.locator("[data-body]").press_sequentially("Hello **bold** world")
            page.wait_for_selector("[data-preview] strong:has-text('bold')")
            assert page.text_content("[data-words]") == "3 words"
            # The first autosave creates the draft and moves the editor onto it.
            page.wait_for_url(re.compile(r"/admin/pages/\d+/edit$"), timeout=15_000)
            page_id = int(re.search(r"/pages/(\d+)/", page.url).group(1))
            with app.app_context():
                draft = db.session.get(Page, page_id)
                assert (draft.title, draft.kind, draft.status) == ("Browser notes", "post", "draft")
            page.locator("[data-body]").press_sequentially(" and more")
            with page.expect_navigation():
                page.keyboard.press("Control+s")
            assert "Saved." in page.inner_text(".flashes")
            assert page.url.endswith(f"/admin/pages/{page_id}/edit")  # no ?saved=1 to reopen
            # Type, let autosave run, close the tab without saving: the words come back.
            page.locator("[data-body]").press("Control+End")
            page.locator("[data-body]").press_sequentially(" typed then closed")
            page.wait_for_selector("[data-save-state][data-tone=ok]", timeout=15_000)
            page.close()
            reopened = context.new_page()
            reopened.goto(f"{base}/admin/pages/{page_id}/edit")
            assert reopened.input_value("[data-body]").endswith("and more typed then closed")
            assert "kept by autosave" in reopened.inner_text(".notice")
        finally:
            browser.close()
    with app.app_context():
        saved = db.session.scalar(sa.select(Page).where(Page.id == page_id))
        assert saved.body == "Hello **bold** world and more"
        assert saved.html == "<p>Hello <strong>bold</strong> world and more</p>\n"
    assert errors == []
