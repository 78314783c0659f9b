"""Journey 5: an operator made on the command line suspends a site, then lets it back."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import (
    Account,
    new_email,
    owner_with_site,
    sign_in,
    turn_on_two_factor,
    write_page,
)

REASON = "Reported for phishing; under review"


def test_operator_suspends_and_unsuspends_a_site(live_server, browser, context, trouble, shot):
    owner = context.new_page()
    _, subdomain = owner_with_site(owner, live_server, "Quiet Harbour")
    write_page(owner, live_server, subdomain, "Tides", "High water at noon.")
    site = live_server.tenant(subdomain)

    made = live_server.flask("users", "create-operator", new_email("operator"))
    found = re.search(r"created operator (\S+); temporary password: (\S+)", made.stdout)
    assert found, made.stdout
    operator = Account(found.group(1), found.group(2))

    ops_context = browser.new_context(viewport={"width": 1280, "height": 860})
    ops_context.set_default_timeout(10_000)
    ops_context.on("page", trouble.watch)
    ops = ops_context.new_page()
    sign_in(ops, live_server, operator, next_url="/ops/")
    # The console needs two-factor sign-in: the operator turns it on first.
    ops.wait_for_url(live_server.apex + "/account/security")
    expect(ops.get_by_role("status").first).to_have_text(
        "Turn on two-factor sign-in to open the operators' console."
    )
    turn_on_two_factor(ops, live_server)
    ops.goto(live_server.apex + "/ops/")
    ops.wait_for_url(live_server.apex + "/ops/")
    ops.get_by_role("link", name="Sites", exact=True).click()
    ops.get_by_label("Search sites").fill(subdomain)
    ops.get_by_role("button", name="Filter").click()
    ops.get_by_role("link", name=subdomain, exact=True).click()
    expect(ops.locator("dd.status")).to_have_text("active")
    ops.get_by_label("Reason (shown to the site's visitors)").fill(REASON)
    shot(ops, "ops-site")
    ops.get_by_role("button", name="Suspend").click()
    expect(ops.get_by_role("status").first).to_have_text(f"{subdomain} is suspended.")
    expect(ops.locator("dd.status")).to_have_text(f"suspended — {REASON}")
    shot(ops, "ops-suspended")

    visitor = context.new_page()
    trouble.expect_status(410)
    gone = visitor.goto(site + "/tides")
    assert gone.status == 410
    expect(visitor.get_by_text("This site has been suspended by the operators.")).to_be_visible()
    expect(visitor.get_by_text(f"Reason: {REASON}")).to_be_visible()
    expect(visitor.get_by_text("High water at noon.")).to_have_count(0)
    shot(visitor, "visitor-sees-suspension")

    ops.get_by_role("button", name="Unsuspend").click()
    expect(ops.get_by_role("status").first).to_have_text(f"{subdomain} is active again.")
    expect(ops.locator("dd.status")).to_have_text("active")
    back = visitor.goto(site + "/tides")
    assert back.status == 200
    expect(visitor.get_by_role("heading", name="Tides")).to_be_visible()
    expect(visitor.get_by_text("High water at noon.")).to_be_visible()

    ops.get_by_role("link", name="Audit log").click()
    expect(ops.get_by_text(REASON).first).to_be_visible()
    ops.get_by_role("button", name="Sign out").click()
    expect(ops.get_by_role("status").first).to_contain_text("You are signed out")
    trouble.expect_status(404)  # the console is hidden from anyone not signed in as an operator
    assert ops.goto(live_server.apex + "/ops/").status == 404
    ops_context.close()
