"""Journey: an owner exports the site (a background job), watches the status page's progress
bar reach the end without reloading, downloads the zip, and imports it again."""

from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site, write_page


def test_export_and_import_run_as_jobs_with_a_live_status_page(
    live_server, context, trouble, shot, tmp_path
):
    page = context.new_page()
    _, subdomain = owner_with_site(page, live_server, "Harbour Log")
    write_page(page, live_server, subdomain, "Tides", "High water at noon.")
    admin = live_server.tenant(subdomain) + "/admin"

    page.goto(admin + "/export")
    page.get_by_role("button", name=f"Export {subdomain}").click()
    page.wait_for_url(re.compile(r".*/admin/transfers/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Export #\d+"))
    # The dashboard's script asks the JSON status and moves the bar; no reload.
    expect(page.locator("#transfer-state")).to_have_text("Finished.")
    expect(page.locator("#transfer-progress")).to_have_attribute("value", "100")
    expect(page.locator("#transfer-percent")).to_have_text("100 %")
    shot(page, "export-finished")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the zip").click()
    saved = tmp_path / "export.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert "pages/tides.md" in archive.namelist()
        assert "High water at noon." in archive.read("pages/tides.md").decode()

    page.goto(admin + "/import")
    page.set_input_files('input[name="file"]', str(saved))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/admin/transfers/\d+$"))
    expect(page.locator("#transfer-state")).to_have_text("Finished.")
    expect(page.locator("#transfer-message")).to_contain_text("Imported 1 page(s) and 0 file(s).")
    expect(page.locator("#transfer-message")).to_contain_text(
        "'tides' already exists; imported as 'tides-2'."
    )
    expect(page.get_by_role("link", name="Download the zip")).to_be_hidden()
    shot(page, "import-finished")

    page.goto(admin + "/import")
    page.set_input_files(
        'input[name="file"]',
        files=[{"name": "notes.zip", "mimeType": "application/zip", "buffer": _bad_zip()}],
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/admin/transfers/\d+$"))
    expect(page.locator("#transfer-state")).to_have_text("Failed.")
    expect(page.get_by_role("alert")).to_contain_text("not valid YAML")
    shot(page, "import-failed")


def _bad_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.md", "---\ntitle: [unclosed\n---\nx")
    return out.getvalue()
