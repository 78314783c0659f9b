"""Journey 1: a newcomer signs up, makes a site, writes a page with an image and publishes it."""

from __future__ import annotations

import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.flows import (
    Account,
    create_site,
    fill_signup,
    link_in_mail,
    new_email,
    new_subdomain,
)


def make_png(path, color=(200, 60, 40)):
    Image.new("RGB", (64, 48), color).save(path)
    return path


def test_new_tenant_publishes_a_page_with_an_image(live_server, context, trouble, shot, tmp_path):
    account = Account(new_email("newcomer"))
    subdomain = new_subdomain()
    page = context.new_page()

    page.goto(live_server.apex + "/")
    shot(page, "home")
    page.get_by_role("link", name="Sign up").first.click()
    fill_signup(page, account, shot)
    expect(page.get_by_role("status").first).to_contain_text("We sent a confirmation link")

    page.goto(link_in_mail(live_server, account.email, "/confirm/"))
    expect(page.get_by_role("status").first).to_contain_text(f"{account.email} is confirmed")
    create_site(page, live_server, subdomain, "Field Notes")
    shot(page, "dashboard")

    # Write a page: heading, list, and an image chosen with the file picker.
    page.get_by_role("link", name="Pages", exact=True).click()
    page.get_by_role("link", name="New page").first.click()
    page.get_by_role("textbox", name="Title").fill("About the garden")
    body = page.get_by_label("Text")
    body.click()
    with page.expect_response(lambda r: r.url.endswith("/admin/preview")) as answer:
        body.press_sequentially("# Tomatoes\n\n- Roma\n- Cherry\n\n")
    assert answer.value.ok
    preview = page.locator("[data-preview]")
    expect(preview.locator("h1")).to_have_text("Tomatoes")
    expect(preview.locator("li")).to_have_text(["Roma", "Cherry"])

    with page.expect_response(lambda r: r.url.endswith("/admin/media")) as uploaded:
        page.locator("[data-upload-input]").set_input_files(make_png(tmp_path / "tomato.png"))
    assert uploaded.value.ok
    expect(body).to_have_value(re.compile(r"!\[.*\]\(/media/[^)]+\)"))
    expect(preview.locator("img")).to_have_count(1)
    page.get_by_label("Status").select_option("published")
    shot(page, "editor-with-preview")

    body.press("Control+s")
    page.wait_for_url("**/admin/pages/*/edit*")
    expect(page.get_by_role("status").first).to_contain_text("Page created")

    # The public site, in a new tab from the editor's own link.
    with context.expect_page() as opened:
        page.get_by_role("link", name="View ↗").click()
    public = opened.value
    public.wait_for_load_state()
    assert public.url.startswith(live_server.tenant(subdomain) + "/about-the-garden")
    expect(public.get_by_role("heading", name="About the garden")).to_be_visible()
    expect(public.locator("article li")).to_have_text(["Roma", "Cherry"])
    image = public.locator("article img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64
    shot(public, "published-page")
