"""Journey: an owner moving in from WordPress reads on the Import page where to find the
export, uploads it, watches the job finish with its report, and an old link still works."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site
from tests.importing import FIXTURES


def test_moving_in_from_wordpress(live_server, context, trouble, shot):
    page = context.new_page()
    _, subdomain = owner_with_site(page, live_server, "Old Garden")
    admin = live_server.tenant(subdomain) + "/admin"

    page.goto(admin + "/import")
    formats = page.locator("dl.import-formats")
    expect(formats).to_contain_text("In WordPress: Tools → Export → All content.")
    expect(formats).to_contain_text("In Ghost: Settings → Advanced → Import/Export")
    expect(formats).to_contain_text("Hugo, Jekyll or Eleventy")
    shot(page, "import-page")
    page.set_input_files('input[name="file"]', str(FIXTURES / "wordpress-1.2.xml"))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/admin/transfers/\d+$"))
    expect(page.locator("#transfer-state")).to_have_text("Finished.")
    message = page.locator("#transfer-message")
    expect(message).to_contain_text("From WordPress: 4 post(s), 1 page(s) (1 scheduled)")
    expect(message).to_contain_text("Skipped post 133 “Thrown away”")
    shot(page, "import-report")

    # No network here: the old site's image is reported, and the text keeps its address. The
    # image job runs after the import and may take up to IMPORT_FETCH_SECONDS (a slow DNS
    # answer); the finished page stops polling, so look again until its report is in.
    kept = (
        "Image https://oldgarden.example/wp-content/uploads/2019/05/tomato.png kept its old address"
    )
    deadline = time.monotonic() + 60
    while kept not in message.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(message).to_contain_text(kept)

    page.goto(live_server.tenant(subdomain) + "/?page_id=45")
    expect(page).to_have_url(re.compile(r".*/about$"))
    expect(page.locator("main")).to_contain_text("Mostly beans.")
    shot(page, "old-link-followed")
