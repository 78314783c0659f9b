"""Journey 4: a visitor's view: the menu, the feed, missing pages and sites, and every theme."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import new_subdomain, owner_with_site, write_page

# What each theme's stylesheet does that the others do not.
THEME_FONTS = {"plain": "system-ui", "journal": "Palatino", "landing": "system-ui"}
THEME_MARKS = {"plain": ".site-header", "journal": ".colophon .fleuron", "landing": ".hero"}


def test_visitor_menu_feed_errors_and_themes(live_server, browser, context, trouble, shot):
    owner = context.new_page()
    _, subdomain = owner_with_site(owner, live_server, "Corner Bakery")
    site = live_server.tenant(subdomain)
    write_page(owner, live_server, subdomain, "Menu", "Bread, *buns* and cake.")
    write_page(owner, live_server, subdomain, "Visit us", "Open every morning.")
    write_page(owner, live_server, subdomain, "Secret recipe", "Not for the menu.")

    # The owner picks the menu: "Visit us" first, then "Menu"; the recipe stays out.
    owner.get_by_role("link", name="Navigation").click()
    owner.get_by_role("checkbox", name="Secret recipe").uncheck()
    owner.get_by_role("checkbox", name="Visit us").check()
    owner.get_by_role("checkbox", name="Menu", exact=True).check()
    owner.get_by_label("Position of Visit us").fill("1")
    owner.get_by_label("Position of Menu").fill("2")
    owner.get_by_role("button", name="Save navigation").click()
    expect(owner.get_by_role("status").first).to_be_visible()

    visitor_context = browser.new_context(viewport={"width": 1280, "height": 860})
    visitor_context.set_default_timeout(10_000)
    visitor_context.on("page", trouble.watch)
    visitor = visitor_context.new_page()
    visitor.goto(site + "/")
    menu = visitor.get_by_role("navigation", name="Site")
    expect(menu.get_by_role("link")).to_have_text(["Visit us", "Menu"])
    menu.get_by_role("link", name="Menu").click()
    visitor.wait_for_url(site + "/menu")
    expect(visitor.get_by_role("heading", name="Menu", level=1)).to_be_visible()
    expect(visitor.locator("article em")).to_have_text("buns")
    expect(menu.get_by_role("link", name="Menu")).to_have_attribute("aria-current", "page")
    shot(visitor, "page-with-menu")

    feed_link = visitor.get_by_role("link", name="Feed")
    expect(feed_link).to_be_visible()
    # Fetched by the page itself: only Chromium resolves *.localhost.
    feed = feed_link.evaluate(
        """async a => {
            const r = await fetch(a.href);
            return {status: r.status, type: r.headers.get("content-type"), text: await r.text()};
        }"""
    )
    assert feed["status"] == 200 and "atom" in feed["type"]
    assert "<feed" in feed["text"] and "Corner Bakery" in feed["text"]

    trouble.expect_status(404)
    missing = visitor.goto(site + "/no-such-page")
    assert missing.status == 404
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(visitor.get_by_role("link", name="Corner Bakery")).to_be_visible()
    shot(visitor, "site-404")

    nobody = visitor.goto(live_server.tenant(new_subdomain()) + "/")
    assert nobody.status == 404
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(visitor.get_by_role("link", name="Corner Bakery")).to_have_count(0)
    shot(visitor, "unknown-site-404")

    # Each theme, chosen in settings, is what the visitor then sees.
    owner.get_by_role("link", name="Settings").click()
    themes = (
        owner.get_by_label("Theme")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert sorted(themes) == sorted(THEME_FONTS)
    for theme in themes:
        owner.get_by_label("Theme").select_option(theme)
        owner.get_by_role("button", name="Save settings").click()
        expect(owner.get_by_role("status").first).to_be_visible()
        expect(owner.get_by_label("Theme")).to_have_value(theme)

        visitor.goto(site + "/menu")
        expect(visitor.locator("body")).to_have_class(f"theme-{theme}")
        stylesheet = visitor.locator('link[rel="stylesheet"]').first
        expect(stylesheet).to_have_attribute("href", re.compile(rf"^/static/gen/theme-{theme}\."))
        font = visitor.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
        assert THEME_FONTS[theme] in font, (theme, font)
        expect(visitor.locator(THEME_MARKS[theme]).first).to_be_visible()
        shot(visitor, f"theme-{theme}")
    visitor_context.close()
