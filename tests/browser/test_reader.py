"""Journey: a reader's way through a blog: the front page, older posts, a tag, search, a result.
The writer tags posts in the editor and sets posts per page in settings first."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import owner_with_site

POSTS = [
    ("Sourdough starter", "Feed the starter twice a day with rye flour.", "Bread, Basics"),
    ("Rye loaf", "A dense loaf with caraway seeds.", "Bread"),
    ("Olive focaccia", "Dimple the dough and pour olive oil.", "Bread, Italian"),
    ("Tomato salad", "Salt the tomatoes first.", "Summer"),
]


def write_post(page, site: str, title: str, body: str, tags: str) -> None:
    page.goto(site + "/admin/pages/new?kind=post")
    page.get_by_role("textbox", name="Title").fill(title)
    page.get_by_label("Text").fill(body)
    page.get_by_label("Tags").fill(tags)
    page.get_by_label("Status").select_option("published")
    page.get_by_label("Text").press("Control+s")
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/edit"))
    expect(page.get_by_role("status").first).to_contain_text("created")


def test_reader_front_older_tag_search_result(live_server, browser, context, trouble, shot):
    owner = context.new_page()
    _, subdomain = owner_with_site(owner, live_server, "Crumb Diary")
    site = live_server.tenant(subdomain)
    for title, body, tags in POSTS:
        write_post(owner, site, title, body, tags)
    owner.get_by_role("link", name="Settings").click()
    owner.get_by_label("Posts per page").fill("2")
    owner.get_by_role("button", name="Save settings").click()
    expect(owner.get_by_role("status").first).to_be_visible()
    expect(owner.get_by_label("Posts per page")).to_have_value("2")

    reader_context = browser.new_context(viewport={"width": 1280, "height": 860})
    reader_context.set_default_timeout(10_000)
    reader_context.on("page", trouble.watch)
    reader = reader_context.new_page()
    reader.goto(site + "/")
    listing = reader.locator("main .listing a")
    expect(listing).to_have_text(["Tomato salad", "Olive focaccia"])
    shot(reader, "front-page")

    reader.get_by_role("link", name=re.compile("Older posts")).click()
    reader.wait_for_url(re.compile(r".*/\?before=\d+$"))
    expect(listing).to_have_text(["Rye loaf", "Sourdough starter"])
    expect(reader.get_by_role("link", name=re.compile("Older posts"))).to_have_count(0)
    expect(reader.get_by_role("link", name=re.compile("Newer posts"))).to_be_visible()
    shot(reader, "older-posts")

    listing.filter(has_text="Rye loaf").click()
    reader.wait_for_url(site + "/rye-loaf")
    reader.get_by_role("link", name="Bread", exact=True).click()
    reader.wait_for_url(site + "/tag/bread")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Bread")
    expect(listing).to_have_text(["Olive focaccia", "Rye loaf"])
    reader.get_by_role("link", name=re.compile("Older posts")).click()
    expect(listing).to_have_text(["Sourdough starter"])
    shot(reader, "tag-bread")

    search = reader.get_by_role("search").first
    search.get_by_role("searchbox").fill("olive oil")
    search.get_by_role("button", name="Search").click()
    reader.wait_for_url(re.compile(r".*/search\?q=olive\+oil"))
    results = reader.locator(".results > li")
    expect(results).to_have_count(1)
    expect(results.locator("mark").first).to_have_text(re.compile("olive", re.I))
    shot(reader, "search-results")

    results.get_by_role("link", name="Olive focaccia").click()
    reader.wait_for_url(site + "/olive-focaccia")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Olive focaccia")
    expect(reader.locator("article")).to_contain_text("Dimple the dough")
    shot(reader, "search-result-page")
    reader_context.close()
