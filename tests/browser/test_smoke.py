"""The browser stack itself: Chromium reaches the apex and a tenant host of a live server."""


def test_apex_and_demo_tenant_render(live_server, context, shot):
    live_server.flask("seed")
    page = context.new_page()
    page.goto(live_server.apex + "/")
    assert page.locator("h1").first.inner_text() == "Your own website, in a minute."
    page.goto(live_server.tenant("demo") + "/")
    assert page.locator("article h1").first.inner_text() == "Welcome"
    assert "Demo Site" in page.title()
    shot(page, "demo-home")
    page.goto(live_server.tenant("nobody-here") + "/")
    assert "Not found" in page.content()
