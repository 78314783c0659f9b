"""Accessibility checked by an engine: axe-core on every dashboard page, the apex pages, the
operators' console and each visitor theme, at desktop and phone widths. A serious or critical
violation of a WCAG 2.1 A/AA rule fails the journey (rules switched off: a11y.DISABLED, each
with its reason). Then a keyboard-only journey: sign in, write and publish, no mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sitemaker import create_app
from tests.browser.a11y import axe_violations, blocking, describe, focused
from tests.browser.flows import (
    Account,
    new_email,
    next_code,
    owner_with_site,
    sign_in,
    turn_on_two_factor,
    write_page,
)

WIDTHS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
THEMES = ("plain", "journal", "landing")
# GET pages that are not screens of their own: redirects and machine answers.
NOT_SCREENS = {"dash.session", "home.handoff", "home.tls_ask", "home.favicon", "home.confirm"}
NOT_SCREENS |= {"home.reset_password", "home.invitation"}  # reached only from a mailed link
# Files, not screens: JSON, a zip, CSV downloads.
NOT_SCREENS |= {"dash.transfer_status_json", "dash.transfer_download"}
NOT_SCREENS |= {"dash.analytics_csv", "dash.export_subscribers"}


def html_endpoints(prefixes: tuple[str, ...]) -> set[str]:
    app = create_app("testing")
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(prefixes)
        and "GET" in rule.methods
        and rule.endpoint not in NOT_SCREENS
    }


class Audit:
    """Runs axe on each screen and keeps what it found, blocking or not."""

    def __init__(self, width: str, shot) -> None:
        self.width = width
        self.shot = shot
        self.failures: list[str] = []
        self.found: dict[str, set[str]] = {}
        self.screens = 0

    def check(self, page: Page, where: str) -> None:
        violations = axe_violations(page)
        self.screens += 1
        self.shot(page, re.sub(r"\W+", "-", where.split("//")[-1]).strip("-")[:60])
        for v in violations:
            self.found.setdefault(f"{v['id']} ({v['impact']})", set()).add(where)
        if blocking(violations):
            self.failures.append(describe(f"[{self.width}] {where}", blocking(violations)))

    def visit(self, page: Page, url: str, where: str | None = None) -> None:
        page.goto(url)
        self.check(page, where or url)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_violations_anywhere(live_server, browser, trouble, shot, width):
    context = browser.new_context(viewport=WIDTHS["desktop"], bypass_csp=True)
    context.set_default_timeout(10_000)
    context.on("page", trouble.watch)
    page = context.new_page()
    audit = Audit(width, shot)  # a screenshot of each screen checked, to look at
    apex, seen = live_server.apex, set()

    page.set_viewport_size(WIDTHS[width])
    for path, endpoint in [("/", "home.index"), ("/signup", "home.signup"),
                           ("/signin", "home.signin"), ("/reset", "home.reset_request")]:  # fmt: skip
        audit.visit(page, apex + path)
        seen.add(endpoint)

    # The site is made at desktop width (the journey helpers click the wide layout).
    page.set_viewport_size(WIDTHS["desktop"])
    owner, subdomain = owner_with_site(page, live_server, "Accessible Atlas")
    write_page(page, live_server, subdomain, "Harbour notes", "## Tides\n\nHigh water at *noon*.")
    page_id = re.search(r"/pages/(\d+)/edit", page.url).group(1)
    tenant = live_server.tenant(subdomain)
    page.set_viewport_size(WIDTHS[width])

    for path, endpoint in [("/sites", "home.sites"), ("/sites/new", "home.new_site")]:
        audit.visit(page, apex + path)
        seen.add(endpoint)

    dash = {
        "dash.overview": "/admin/",
        "dash.pages": "/admin/pages?kind=post",
        "dash.new_page": "/admin/pages/new?kind=post",
        "dash.edit_page": f"/admin/pages/{page_id}/edit",
        "dash.revisions": f"/admin/pages/{page_id}/revisions",
        "dash.media": "/admin/media",
        "dash.trash": "/admin/trash",
        "dash.tokens": "/admin/tokens",
        "dash.navigation": "/admin/navigation",
        "dash.settings": "/admin/settings",
        "dash.domain": "/admin/domain",
        "dash.members": "/admin/members",
        "dash.export": "/admin/export",
        "dash.import_site": "/admin/import",
        "dash.delete_site": "/admin/delete",
        "dash.account": "/admin/account",
        "dash.analytics": "/admin/analytics",
        "dash.subscribers_page": "/admin/subscribers",
    }
    for endpoint, path in dash.items():
        audit.visit(page, tenant + path, path)
        seen.add(endpoint)
    audit.visit(page, tenant + "/admin/pages?kind=page", "/admin/pages?kind=page")
    # An export in progress or done: the status page with its progress bar.
    page.goto(tenant + "/admin/export")
    page.get_by_role("button", name=f"Export {subdomain}").click()
    page.wait_for_url(re.compile(r".*/admin/transfers/\d+$"))
    audit.check(page, "/admin/transfers/<id>")
    seen.add("dash.transfer_status")
    page.goto(tenant + f"/admin/pages/{page_id}/revisions")
    page.get_by_role("link", name="Compare").first.click()
    audit.check(page, "/admin/pages/<id>/revisions?rev=<id>")
    if width == "phone":
        page.goto(tenant + "/admin/")
        page.get_by_text("Menu", exact=True).click()
        expect(page.get_by_role("link", name="Settings")).to_be_visible()
        audit.check(page, "/admin/ with the menu open")
        page.goto(tenant + f"/admin/pages/{page_id}/edit")
        page.get_by_role("tab", name="Preview").click()
        audit.check(page, "the editor's Preview tab")

    # Each visitor theme: the front page, a page, and a missing page.
    trouble.expect_status(404)
    for theme in THEMES:
        page.goto(tenant + "/admin/settings")
        page.get_by_label("Theme").select_option(theme)
        page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_role("status").first).to_contain_text("Settings saved.")
        for path in ("/", "/harbour-notes", "/archive", "/tags", "/search?q=tides",
                     "/no-such-page"):  # fmt: skip
            audit.visit(page, tenant + path, f"theme {theme}: {path}")

    # The operators' console, signed in as an operator made on the command line.
    made = live_server.flask("users", "create-operator", new_email("operator"))
    found = re.search(r"created operator (\S+); temporary password: (\S+)", made.stdout)
    assert found, made.stdout
    context.close()
    context = browser.new_context(viewport=WIDTHS[width], bypass_csp=True)
    context.set_default_timeout(10_000)
    context.on("page", trouble.watch)
    page = context.new_page()
    operator = Account(found.group(1), found.group(2))
    sign_in(page, live_server, operator, next_url="/ops/")
    # The console needs two-factor sign-in: the operator is sent to turn it on first.
    page.wait_for_url(apex + "/account/security")
    audit.check(page, "/account/security")
    audit.visit(page, apex + "/account")
    seen |= {"home.account_security", "home.account"}
    secret, _ = turn_on_two_factor(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, operator, next_url="/ops/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    audit.check(page, "/signin/code")
    seen.add("home.signin_code")
    page.get_by_label("Code").fill(next_code(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(apex + "/ops/")
    audit.check(page, "/ops/")
    seen.add("ops.index")
    for path, endpoint in [("/ops/sites", "ops.site_list"), ("/ops/users", "ops.user_list"),
                           ("/ops/audit", "ops.audit_log"), ("/ops/jobs", "ops.failed_jobs")]:  # fmt: skip
        audit.visit(page, apex + path)
        seen.add(endpoint)
    page.goto(apex + f"/ops/sites?q={subdomain}")
    page.get_by_role("link", name=subdomain, exact=True).click()
    audit.check(page, "/ops/sites/<id>")
    seen.add("ops.site_detail")

    assert html_endpoints(("dash.", "home.", "ops.")) <= seen, "screens never checked"
    print(f"\n[{width}] axe checked {audit.screens} screens; rules that found something:")
    for rule, where in sorted(audit.found.items()):
        print(f"  {rule}: {len(where)} screens, e.g. {sorted(where)[0]}")
    assert not audit.failures, "serious or critical violations:\n" + "\n".join(audit.failures)
    context.close()


def tab_to(page: Page, name: str, *, limit: int = 40) -> dict:
    """Presses Tab until the control named `name` has focus; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        assert state is not None, f"focus fell off the page before reaching {name!r}"
        assert state["visible"], f"focus is invisible on {state}"
        if state["name"].startswith(name):
            return state
    raise AssertionError(f"{name!r} is not reachable with Tab from here")


def test_keyboard_only_sign_in_write_and_publish(live_server, browser, context, trouble):
    # The account and site are made the usual way; everything after is keyboard only.
    account, subdomain = owner_with_site(context.new_page(), live_server, "Keys Only")
    tenant = live_server.tenant(subdomain)
    keys = browser.new_context(viewport=WIDTHS["desktop"])
    keys.set_default_timeout(10_000)
    keys.on("page", trouble.watch)
    page = keys.new_page()

    page.goto(tenant + "/admin/")  # typed into the address bar; it leads to the sign-in
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab_to(page, "Email")
    page.keyboard.type(account.email)
    tab_to(page, "Password")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    page.wait_for_url(tenant + "/admin/")

    # The skip link passes the menu; then to "New post".
    assert tab_to(page, "Skip to the content", limit=1)
    page.keyboard.press("Enter")
    tab_to(page, "New post")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/pages/new\?kind=post"))

    tab_to(page, "Title", limit=60)
    page.keyboard.type("Typed, not clicked")
    tab_to(page, "Text")
    page.keyboard.type("Every word of this came from the *keyboard*.")
    tab_to(page, "Insert image or file")
    tab_to(page, "Details")
    tab_to(page, "Status")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Status")).to_have_value("published")
    # Back up to the Save button in the editor's head, and press it.
    for _ in range(20):
        page.keyboard.press("Shift+Tab")
        state = focused(page)
        assert state and state["visible"], f"focus is invisible on {state}"
        if state["name"] == "Create post":
            break
    else:
        raise AssertionError("the Save button is not reachable with Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/edit"))
    expect(page.get_by_role("status").first).to_contain_text("Post created.")

    page.goto(tenant + "/typed-not-clicked")
    expect(page.get_by_role("heading", name="Typed, not clicked")).to_be_visible()
    expect(page.locator("em", has_text="keyboard")).to_be_visible()
    keys.close()


def test_the_engine_reports_what_it_should(browser):
    """axe is loaded and judging: a page broken on purpose fails the very rules it breaks."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><title>Broken</title><main><img src="data:,">'
        '<input type="text"><p style="color:#ccc;background:#fff">faint</p></main></html>'
    )
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found == {"image-alt": "critical", "label": "critical", "color-contrast": "serious"}
    context.close()
