"""Journey: an owner turns on two-factor sign-in, signs out, signs in with a code from the
app, opens the dashboard through the handoff, and later signs in with a recovery code."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.flows import next_code, owner_with_site, sign_in, turn_on_two_factor


def test_two_factor_sign_in_with_a_code_and_with_a_recovery_code(
    live_server, context, trouble, shot
):
    page = context.new_page()
    account, subdomain = owner_with_site(page, live_server, "Locked Garden")
    secret, codes = turn_on_two_factor(page, live_server, shot)
    expect(page.get_by_role("status").first).to_contain_text("Two-factor sign-in is on")
    shot(page, "recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").first).to_contain_text("You are signed out")

    # Password, then the code: the dashboard opens only after both.
    sign_in(page, live_server, account, next_url="/sites")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shot(page, "code-step")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right, or has been used already.")).to_be_visible()
    page.get_by_label("Code").fill(next_code(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(live_server.apex + "/sites")
    page.goto(live_server.tenant(subdomain) + "/admin/")
    page.wait_for_url(live_server.tenant(subdomain) + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Locked Garden")

    # Phone lost: a recovery code works, once.
    page.goto(live_server.apex + "/sites")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, account)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "You signed in with a recovery code; 9 are left."
    )
    shot(page, "signed-in-with-recovery-code")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, account)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right, or has been used already.")).to_be_visible()
