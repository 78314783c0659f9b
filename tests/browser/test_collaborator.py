"""Journey 3: an owner invites an author, who joins through the mail and may only write drafts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import Account, fill_signup, link_in_mail, new_email, owner_with_site


def test_invited_author_writes_drafts_but_cannot_publish(
    live_server, browser, context, trouble, shot
):
    owner_page = context.new_page()
    _, subdomain = owner_with_site(owner_page, live_server, "Team Blog")
    author = Account(new_email("author"))

    owner_page.get_by_role("link", name="People").click()
    invite = owner_page.locator('form[action$="/members/invite"]')
    invite.get_by_label("Email").fill(author.email)
    invite.locator('select[name="role"]').select_option("author")
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_role("status")).to_have_count(1)
    expect(owner_page.get_by_role("status")).to_contain_text(author.email)
    expect(owner_page.locator("table").last).to_contain_text(author.email)
    shot(owner_page, "invitation-sent")

    # The author, in a browser of their own, follows the link in the mail and signs up.
    author_context = browser.new_context(viewport={"width": 1280, "height": 860})
    author_context.set_default_timeout(10_000)
    author_context.on("page", trouble.watch)
    page = author_context.new_page()
    page.goto(link_in_mail(live_server, author.email, "/invite/"))
    expect(page.get_by_label("Email")).to_have_value(author.email)
    fill_signup(page, author)
    page.wait_for_url(live_server.tenant(subdomain) + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team Blog")
    sidebar = page.get_by_role("navigation", name="Dashboard")
    expect(sidebar.get_by_role("link", name="Settings")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="People")).to_have_count(0)

    # A draft: the editor offers no status at all.
    page.get_by_role("link", name="New post").click()
    page.get_by_role("textbox", name="Title").fill("Notes from the field")
    page.get_by_label("Text").fill("Still rough, *but promising*.")
    expect(page.get_by_label("Status")).to_have_count(0)
    expect(page.get_by_text("You write drafts; an editor publishes them.")).to_be_visible()
    page.get_by_label("Text").press("Control+s")
    page.wait_for_url(re.compile(r".*/admin/pages/(\d+)/edit"))
    page_id = re.search(r"/pages/(\d+)/edit", page.url).group(1)
    shot(page, "author-draft")
    sidebar.get_by_role("link", name="Posts").click()
    row = page.locator("tbody tr").filter(has_text="Notes from the field")
    expect(row).to_contain_text("Draft")
    expect(row.get_by_role("button", name="Publish")).to_have_count(0)

    # A forged publish from the author's own signed-in tab, with a valid CSRF token.
    trouble.expect_status(403)
    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const form = new URLSearchParams({csrf_token: token});
            const response = await fetch(url, {method: "POST", body: form});
            return response.status;
        }""",
        f"/admin/pages/{page_id}/publish",
    )
    assert status == 403
    settings = page.goto(live_server.tenant(subdomain) + "/admin/settings")
    assert settings.status == 403
    shot(page, "settings-forbidden")

    # The owner still sees a draft, and nothing on the public site.
    owner_page.goto(live_server.tenant(subdomain) + "/admin/pages?kind=post")
    expect(owner_page.locator("tbody tr").filter(has_text="Notes from the field")).to_contain_text(
        "Draft"
    )
    trouble.expect_status(404)
    public = owner_page.goto(live_server.tenant(subdomain) + "/notes-from-the-field")
    assert public.status == 404
    author_context.close()
