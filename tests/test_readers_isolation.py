"""One site's tags, search results and redirects never show another site's pages."""

from __future__ import annotations

from sitemaker.extensions import db
from sitemaker.models import Page, Site
from sitemaker.services.pages import save_page
from sitemaker.services.tags import set_tags


def test_tags_search_and_redirects_stay_within_their_site(app, client, make_site, make_page):
    alice, bobby = make_site("alice"), make_site("bobby")
    hers = make_page(alice, "Alice travels", "kangaroo stories", kind="post",
                     status="published", slug="old-name")  # fmt: skip
    his = make_page(bobby, "Bob travels", "kangaroo tales", kind="post", status="published",
                    slug="bobs-post")  # fmt: skip
    # Bob has a page whose slug is the one Alice's page leaves behind (her redirect).
    bob_same = make_page(bobby, "Bob keeps it", "Bob writes here.", status="published",
                         slug="old-name")  # fmt: skip
    with app.app_context():
        site_a = db.session.get(Site, alice.id)
        set_tags(site_a, db.session.get(Page, hers.id), ["Travel"])
        set_tags(db.session.get(Site, bobby.id), db.session.get(Page, his.id), ["Travel"])
        save_page(site_a, db.session.get(Page, hers.id), expected_version=1,
                  title="Alice travels", body="kangaroo stories", slug="renamed",
                  description="", status="published", published_at=None, author_id=None)  # fmt: skip
        db.session.commit()

    tag_a = client.get("/tag/travel", subdomain="alice").text
    assert "Alice travels" in tag_a and "Bob travels" not in tag_a
    assert "Bob travels" not in client.get("/tag/travel/feed.xml", subdomain="alice").text
    assert '<span class="count">1</span>' in client.get("/tags", subdomain="alice").text

    search_a = client.get("/search?q=kangaroo", subdomain="alice").text
    assert "Alice travels" in search_a and "Bob travels" not in search_a

    # Alice's redirect old-name -> renamed answers on Alice's host only; on Bob's host the
    # same address is Bob's own page, and Alice's new address is not found.
    assert client.get("/old-name", subdomain="alice").headers["Location"] == "/renamed"
    bob_page = client.get("/old-name", subdomain="bobby")
    assert bob_page.status_code == 200 and "Bob writes here." in bob_page.text
    assert "Alice" not in bob_page.text
    assert client.get("/renamed", subdomain="bobby").status_code == 404
    # A cursor naming Bob's post lists nothing on Alice's site.
    assert client.get(f"/?before={bob_same.id}", subdomain="alice").status_code == 404
