"""Journey 0, a newcomer's first minutes: the server `make run` starts (`flask dev`, the
development configuration, a fresh database), the address it prints, sign up, the
confirmation clicked in the development mailbox, a site, a published post, read by a visitor.
The time it takes is printed (measured, not asserted)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.flows import Account, create_site, fill_signup, new_email, new_subdomain
from tests.live import BIN, ROOT, LiveServer

BANNER_APEX = re.compile(r"Home page, sign up:\s+(http://\S+)")


class DevServer(LiveServer):
    """What `make run` runs (`flask db upgrade`, `flask seed`, `flask dev`), on a free port,
    with only the paths moved into a scratch folder."""

    printed_apex: str = ""

    def env(self) -> dict[str, str]:
        env = super().env()
        # The development defaults as they ship (debug on), only the paths and port moved.
        (self.root / "config.py").write_text(
            f"SERVER_NAME = {self.server_name!r}\n"
            f"SQLALCHEMY_DATABASE_URI = {self.database_url!r}\n"
            f"MAIL_OUTBOX = {str(self.outbox)!r}\n"
            f"MEDIA_ROOT = {str(self.root / 'media')!r}\n"
        )
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> DevServer:
        self.flask("db", "upgrade")
        self.flask("seed")
        log = open(self.root / "dev.log", "w")  # noqa: SIM115 (closed with the process)
        # A session of its own: the reloader's child is stopped with its parent (stop()).
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "dev"], cwd=ROOT, env=self.env(), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not self.printed_apex:
            if self.process.poll() is not None:
                raise RuntimeError(self.log())
            found = BANNER_APEX.search(self.log())
            self.printed_apex = found.group(1) if found else ""
            time.sleep(0.1)  # polling the log for the banner, not waiting for a result
        if not self.printed_apex:
            raise RuntimeError("flask dev printed no address:\n" + self.log())
        self._wait_ready()
        return self

    def log(self) -> str:
        return (self.root / "dev.log").read_text()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this test started
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory) -> Iterator[DevServer]:
    root = tmp_path_factory.mktemp("first-run")
    server = DevServer(root=root, database_url=f"sqlite:///{root / 'fresh.db'}").start()
    yield server
    server.stop()


def test_first_run_from_the_printed_address_to_a_published_post(
    dev_server, browser, context, trouble, shot
):
    started = time.monotonic()
    banner = dev_server.log()
    assert "http://127.0.0.1" not in banner  # Werkzeug's "Running on" line is left out
    assert "Warning" not in banner and "WARNING" not in banner
    assert dev_server.printed_apex == dev_server.apex + "/"
    account = Account(new_email("first"))
    subdomain = new_subdomain()
    page = context.new_page()

    page.goto(dev_server.printed_apex)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your own website, in a minute.")
    shot(page, "home")
    page.get_by_role("link", name="Sign up").first.click()
    fill_signup(page, account, shot)
    expect(page.get_by_role("status").first).to_contain_text("We sent a confirmation link")

    page.goto(dev_server.apex + "/dev/mail")
    expect(page.get_by_role("row").nth(1)).to_contain_text(account.email)
    shot(page, "mailbox")
    page.get_by_role("row").nth(1).get_by_role("link").click()
    confirm = page.get_by_role("link", name=re.compile(r"confirm"))
    expect(confirm).to_have_count(1)
    shot(page, "confirmation-mail")
    confirm.click()
    expect(page.get_by_role("status").first).to_contain_text(f"{account.email} is confirmed")
    shot(page, "confirmed")

    create_site(page, dev_server, subdomain, "Kitchen Notes")
    shot(page, "dashboard")
    page.get_by_role("link", name="New post").click()
    page.get_by_role("textbox", name="Title").fill("Bread on Sundays")
    body = page.get_by_label("Text")
    with page.expect_response(lambda r: r.url.endswith("/admin/preview")) as answer:
        body.fill("Flour, water, salt and **time**.\n\n- Mix\n- Wait\n- Bake\n")
    assert answer.value.ok
    expect(page.locator("[data-preview] strong")).to_have_text("time")
    page.get_by_label("Status").select_option("published")
    shot(page, "editor")
    page.get_by_role("button", name="Create post").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/edit"))
    expect(page.get_by_role("status").first).to_contain_text("created")

    visitor_context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        visitor = visitor_context.new_page()
        trouble.watch(visitor)
        visitor.goto(dev_server.tenant(subdomain) + "/")
        visitor.get_by_role("link", name="Bread on Sundays").first.click()
        expect(visitor.get_by_role("heading", name="Bread on Sundays")).to_be_visible()
        expect(visitor.locator("article li")).to_have_text(["Mix", "Wait", "Bake"])
        assert visitor.context.cookies() == []  # a visitor: never signed in anywhere
        shot(visitor, "published-post")
    finally:
        visitor_context.close()
    print(f"\nfirst-run journey (server printed its address -> post read): "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip


def test_printed_addresses_are_the_only_ones_and_127_0_0_1_leads_there(
    dev_server, context, trouble
):
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{dev_server.port}/")
    assert page.url == dev_server.printed_apex
    expect(page.get_by_role("heading", level=1)).to_have_text("Your own website, in a minute.")
    page.goto(dev_server.apex + "/dev/")
    page.get_by_role("button", name="Sign in as the demo owner").click()
    page.wait_for_url(dev_server.tenant("demo") + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Site")
