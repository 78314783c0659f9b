"""Link previews: og:image and a large card from the picked image, the first image, or the
site's, always absolute on the site's own host."""

from __future__ import annotations

from sitemaker.extensions import db
from sitemaker.models import Page, Site
from sitemaker.models.common import utcnow


def test_the_picked_image_wins_then_the_first_then_the_sites(app, client, make_site, make_page):
    site = make_site("cards", social_image="site-card.png")
    page = make_page(site, "Photo", "![a](/media/first.png) ![b](https://cdn.example.org/b.png)",
                     status="published", slug="photo")  # fmt: skip
    html = client.get("/photo", subdomain="cards").text
    assert '<meta property="og:image" content="http://cards.example.test/media/first.png">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    with app.app_context():
        db.session.get(Page, page.id).social_image = "picked.jpg"
        db.session.get(Site, site.id).bump_content_version()
        db.session.commit()
    html = client.get("/photo", subdomain="cards").text
    assert 'content="http://cards.example.test/media/picked.jpg"' in html
    make_page(site, "Words", "No pictures.", status="published", slug="words")
    html = client.get("/words", subdomain="cards").text
    assert 'og:image" content="http://cards.example.test/media/site-card.png"' in html


def test_no_image_anywhere_is_a_summary_card(client, make_site, make_page):
    site = make_site("plaincard")
    make_page(site, "Words", "No pictures.", status="published", slug="words")
    html = client.get("/words", subdomain="plaincard").text
    assert "og:image" not in html and '<meta name="twitter:card" content="summary">' in html


def test_an_external_first_image_is_kept_as_is(client, make_site, make_page):
    site = make_site("ext")
    make_page(site, "Pic", "![b](https://cdn.example.org/b.png)", status="published", slug="pic")
    html = client.get("/pic", subdomain="ext").text
    assert '<meta property="og:image" content="https://cdn.example.org/b.png">' in html


def test_images_are_on_the_custom_domain_when_there_is_one(client, make_site, make_page):
    site = make_site("alice", custom_domain="www.alice-blog.org", domain_token="t",
                     domain_verified_at=utcnow(), social_image="card.png")  # fmt: skip
    make_page(site, "About", "![x](/media/inside.png)", status="published", slug="about")
    make_page(site, "Plain", "text", status="published", slug="plain")
    about = client.get("/about", base_url="http://www.alice-blog.org").text
    assert 'og:image" content="http://www.alice-blog.org/media/inside.png"' in about
    plain = client.get("/plain", base_url="http://www.alice-blog.org").text
    assert 'og:image" content="http://www.alice-blog.org/media/card.png"' in plain
    assert "example.test" not in plain
