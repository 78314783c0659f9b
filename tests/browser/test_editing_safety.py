"""Journey 2: two tabs on one page, a closed tab's autosaved draft, and restoring old text."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site, write_page


def test_conflicts_autosave_and_restore_keep_every_text(live_server, context, trouble, shot):
    page = context.new_page()
    _, subdomain = owner_with_site(page, live_server, "Safe Words")
    write_page(page, live_server, subdomain, "Plan", "The first plan.", publish=False)
    edit_url = page.url.split("?")[0]

    # Two tabs on the same version; both save.
    first, second = page, context.new_page()
    second.goto(edit_url)
    first.get_by_label("Text").fill("The plan from the first tab.")
    first.get_by_label("Text").press("Control+s")
    expect(first.get_by_role("status").first).to_have_text("Saved.")

    second.get_by_label("Text").fill("The plan from the second tab.")
    trouble.expect_status(409)  # the conflict screen is answered with 409 Conflict
    second.get_by_role("button", name="Save", exact=True).click()
    conflict = second.get_by_role("alert").filter(has_text="changed since you opened it")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".compare pre").first).to_have_text("The plan from the first tab.")
    expect(conflict.locator(".compare pre").last).to_have_text("The plan from the second tab.")
    expect(second.get_by_label("Text")).to_have_value("The plan from the second tab.")
    expect(second.locator("[data-preview]")).to_have_text("The plan from the second tab.")
    shot(second, "conflict")
    second.close()

    # Type without saving, let autosave store it, close the tab, come back.
    draft = context.new_page()
    draft.goto(edit_url)
    expect(draft.get_by_label("Text")).to_have_value("The plan from the first tab.")
    draft.get_by_label("Text").press("End")

    def saves_all_of_it(response) -> bool:
        # Autosave runs on a timer and may also catch the text half typed: wait for the whole.
        return response.url.endswith("/autosave") and "typed late." in (
            response.request.post_data or ""
        )

    with draft.expect_response(saves_all_of_it) as autosaved:
        draft.get_by_label("Text").press_sequentially(" Plus a thought typed late.")
    assert autosaved.value.ok
    expect(draft.locator("[data-save-state]")).to_contain_text("Draft autosaved")
    draft.close()

    page = context.new_page()
    page.goto(edit_url)
    expect(page.get_by_role("status").filter(has_text="kept by autosave")).to_be_visible()
    expect(page.get_by_label("Text")).to_have_value(
        "The plan from the first tab. Plus a thought typed late."
    )
    expect(page.locator("[data-preview]")).to_contain_text("Plus a thought typed late.")
    shot(page, "autosave-restored")

    # History: every save is there; bring back the very first text.
    page.get_by_role("link", name="History").click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="Kept on conflict")).to_have_count(1)
    expect(rows.filter(has_text="Autosaved")).to_have_count(1)
    saves = rows.filter(has=page.locator(".reason-save"))
    expect(saves).to_have_count(2)
    shot(page, "history")
    saves.last.get_by_role("button", name="Restore").click()
    page.wait_for_url(re.compile(re.escape(edit_url) + r"\?saved=1"))
    expect(page.get_by_role("status").first).to_contain_text("Restored the text from")
    expect(page.get_by_label("Text")).to_have_value("The first plan.")
