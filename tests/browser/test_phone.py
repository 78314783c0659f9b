"""A writer on a phone (390 × 844, touch, in Tokyo): signs up, lands in a dashboard that starts
with the page rather than a menu, writes with Write and Preview as tabs, schedules a post in
their own time, and every control is at least 44 × 44 CSS pixels."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.flows import Account, new_email, owner_with_site, sign_in, turn_on_two_factor

PHONE = {"width": 390, "height": 844}
MIN_TARGET = 44
# Controls a finger must hit. Links inside running text are exempt, as WCAG 2.5.5 allows.
TARGETS = """(min) => {
  const controls = 'button, summary, select, textarea, [role=tab], .button, nav a, .phone-bar a, '
    + '.row-actions a, .tabs a, .view-site, .back, '
    + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])';
  const small = [];
  const measure = (el, box) => {
    const r = box.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;  // not displayed (e.g. a closed menu)
    if (r.width < min || r.height < min) {
      small.push(`${el.outerHTML.slice(0, 90)} is ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  };
  document.querySelectorAll(controls).forEach(el => measure(el, el));
  // A checkbox or radio button is hit through its label or field row.
  document.querySelectorAll('input[type=checkbox], input[type=radio]').forEach(
    el => measure(el, el.closest('label, .field') || el));
  return small;
}"""


def small_targets(page: Page) -> list[str]:
    return page.evaluate(TARGETS, MIN_TARGET)


def test_a_writer_schedules_a_post_from_a_phone(live_server, browser, trouble, shot):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Tokyo",
        device_scale_factor=1,
    )  # fmt: skip
    context.set_default_timeout(10_000)
    context.on("page", trouble.watch)
    page = context.new_page()

    # The apex pages at phone width, then the new site's dashboard.
    _, subdomain = owner_with_site(page, live_server, "Pocket Press")
    tenant = live_server.tenant(subdomain)
    heading = page.get_by_role("heading", level=1)
    assert heading.bounding_box()["y"] < 160, "the page starts below a menu"
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    # The dashboard's script gives the account the browser's zone on the first visit.
    page.wait_for_function("() => !document.body.hasAttribute('data-time-zone-unset')")
    page.reload()
    expect(page.get_by_text("Times are in Asia/Tokyo")).to_be_visible()
    assert small_targets(page) == []
    shot(page, "overview")

    # The menu opens on demand (a <details>, no script), with finger-sized entries.
    page.get_by_text("Menu", exact=True).tap()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    assert small_targets(page) == []
    shot(page, "menu-open")
    page.get_by_role("link", name="Posts", exact=True).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Posts")
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()

    # The editor: Write and Preview are tabs; the details panel starts folded.
    page.goto(tenant + "/admin/pages/new?kind=post")
    write_tab = page.get_by_role("tab", name="Write")
    preview_tab = page.get_by_role("tab", name="Preview")
    expect(write_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-preview]")).to_be_hidden()
    expect(page.get_by_label("Status")).to_be_hidden()
    page.get_by_role("textbox", name="Title").fill("Sunrise over Shibuya")
    page.get_by_label("Text").fill(
        "## First light\n\nThe crossing is *empty* at five. By six the first trains unload, "
        "and the lights change for nobody.\n\n## Rush\n\n- 7:40 the wave\n- 8:15 the calm\n"
    )
    assert small_targets(page) == []
    shot(page, "editor-write")
    preview_tab.tap()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Text")).to_be_hidden()
    expect(page.locator("[data-preview] h2").first).to_have_text("First light")
    expect(page.locator("[data-preview] em").first).to_have_text("empty")
    shot(page, "editor-preview")
    write_tab.tap()
    expect(page.get_by_label("Text")).to_be_visible()

    # Save stays within reach at the bottom of a long page.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    save = page.get_by_role("button", name=re.compile("Create post|Save"))
    box = save.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box

    # Scheduling in Tokyo time, said so next to the field.
    page.locator("summary", has_text="Details").tap()
    expect(page.get_by_text("Publish at (Asia/Tokyo)")).to_be_visible()
    page.get_by_label("Status").select_option("published")
    page.get_by_label("Publish at (Asia/Tokyo)").fill("2030-01-15T08:30")
    assert small_targets(page) == []
    # What the phone's screen shows now: the sticky Save bar above the open details panel.
    page.screenshot(path=str(shot(page, "editor-schedule")))
    save.tap()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/edit"))
    expect(page.get_by_role("status").first).to_contain_text("Post created.")
    expect(page.get_by_label("Publish at (Asia/Tokyo)")).to_have_value("2030-01-15T08:30")

    page.goto(tenant + "/admin/")
    expect(page.get_by_text("goes live Jan 15, 08:30")).to_be_visible()
    # The same moment read in UTC, after changing the zone on the account page.
    page.goto(tenant + "/admin/account")
    page.get_by_label("Time zone").select_option("UTC")
    page.get_by_role("button", name="Save").tap()
    expect(page.get_by_role("status").first).to_have_text("Times are now shown in UTC.")
    page.goto(tenant + "/admin/")
    expect(page.get_by_text("goes live Jan 14, 23:30")).to_be_visible()

    page.goto(tenant + "/admin/settings")
    assert small_targets(page) == []
    shot(page, "settings")
    context.close()


def test_apex_dashboard_and_ops_screens_fit_a_phone(live_server, browser, trouble):
    """Every screen at phone width: nothing wider than the phone (wide tables scroll inside
    themselves) and no control smaller than a fingertip."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    context.on("page", trouble.watch)
    page = context.new_page()
    problems: list[str] = []

    def check(url: str) -> None:
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{url} is {width} px wide")
        problems.extend(f"{url}: {small}" for small in small_targets(page))

    for path in ("/", "/signup", "/signin", "/reset"):
        check(live_server.apex + path)
    _, subdomain = owner_with_site(page, live_server, "Narrow Notes")
    tenant = live_server.tenant(subdomain)
    check(live_server.apex + "/sites")
    check(live_server.apex + "/sites/new")
    for path in ("/admin/", "/admin/pages?kind=post", "/admin/pages/new", "/admin/media",
                 "/admin/trash", "/admin/tokens", "/admin/navigation", "/admin/settings",
                 "/admin/domain", "/admin/members", "/admin/export", "/admin/import",
                 "/admin/delete", "/admin/account"):  # fmt: skip
        check(tenant + path)

    made = live_server.flask("users", "create-operator", new_email("operator"))
    found = re.search(r"created operator (\S+); temporary password: (\S+)", made.stdout)
    assert found, made.stdout
    page.goto(live_server.apex + "/sites")
    page.get_by_role("button", name="Sign out").tap()
    page.wait_for_url(live_server.apex + "/")
    sign_in(page, live_server, Account(found.group(1), found.group(2)), next_url="/ops/")
    # The console needs two-factor sign-in; its setup screens get the same check.
    page.wait_for_url(live_server.apex + "/account/security")
    check(page.url)
    turn_on_two_factor(page, live_server)
    check(live_server.apex + "/account")
    for path in ("/ops/", "/ops/sites", "/ops/users", "/ops/audit", "/ops/jobs"):
        check(live_server.apex + path)
    page.goto(live_server.apex + f"/ops/sites?q={subdomain}")
    page.get_by_role("link", name=subdomain, exact=True).tap()
    check(page.url)
    assert problems == [], "\n".join(problems)
    context.close()
