"""Journey: a reader follows a blog by email from its footer (no JavaScript on visitor pages),
confirms from the mail, and the writer sees them on the Subscribers page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site
from tests.browser.test_reader import write_post


def test_reader_subscribes_confirms_and_writer_sees_them(
    live_server, browser, context, trouble, shot
):
    owner = context.new_page()
    _, subdomain = owner_with_site(owner, live_server, "Letters Home")
    site = live_server.tenant(subdomain)
    write_post(owner, site, "First letter", "Hello from the coast.", "Letters")

    reader_context = browser.new_context(viewport={"width": 1280, "height": 860})
    reader_context.on("page", trouble.watch)
    reader = reader_context.new_page()
    reader.goto(site + "/")
    reader.get_by_label("New posts by email").fill("Reader@Example.org")
    shot(reader, "footer-form")
    reader.get_by_role("button", name="Subscribe").click()
    expect(reader.locator("main")).to_contain_text("Check your inbox")
    shot(reader, "check-inbox")

    mail = live_server.last_mail_to("reader@example.org")
    text = mail.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/subscribe/confirm/\S+", text).group(0)
    reader.goto(link)
    reader.get_by_role("button", name="Confirm my subscription").click()
    expect(reader.locator("main")).to_contain_text("You are subscribed")

    owner.goto(site + "/admin/subscribers")
    expect(owner.locator("#confirmed-count")).to_have_text("1")
    expect(owner.locator("table.list").last).to_contain_text("reader@example.org")
    shot(owner, "subscribers-page")
