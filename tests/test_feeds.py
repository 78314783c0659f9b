"""What feed readers and crawlers get: Atom, sitemap, robots.txt, head tags, favicon, custom CSS."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

from sitemaker.models.common import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_atom_feed_lists_published_posts_newest_first(client, make_site, make_page):
    site = make_site("alice", title="Alice & Co", tagline="Notes <and> things")
    now = utcnow()
    make_page(site, "Older", kind="post", status="published", published_at=now - timedelta(days=2))
    make_page(site, "Newer <b>", "Body with *emphasis*", kind="post", status="published",
              published_at=now - timedelta(days=1), description="A summary")  # fmt: skip
    make_page(site, "A page, not a post", status="published")
    make_page(site, "Draft post", kind="post")
    make_page(
        site, "Future post", kind="post", status="published", published_at=now + timedelta(days=1)
    )
    response = client.get("/feed.xml", subdomain="alice")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.findtext(f"{ATOM}title") == "Alice & Co"
    assert feed.findtext(f"{ATOM}subtitle") == "Notes <and> things"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer <b>", "Older"]
    newest = entries[0]
    assert newest.findtext(f"{ATOM}id") == "http://alice.example.test/newer-b"
    assert newest.findtext(f"{ATOM}summary") == "A summary"
    assert "<em>emphasis</em>" in newest.findtext(f"{ATOM}content")
    assert newest.find(f"{ATOM}content").get("type") == "html"
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "http://alice.example.test/feed.xml"


def test_empty_feed_is_valid(client, make_site):
    make_site("alice")
    feed = ET.fromstring(client.get("/feed.xml", subdomain="alice").data)
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}updated")


def test_sitemap_lists_published_pages_and_posts_with_lastmod(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Home", status="published", is_home=True)
    make_page(site, "About", status="published")
    make_page(site, "Post", kind="post", status="published")
    make_page(site, "Draft")
    make_page(site, "Later", status="published", published_at=utcnow() + timedelta(hours=2))
    response = client.get("/sitemap.xml", subdomain="alice")
    assert response.mimetype == "application/xml"
    urls = ET.fromstring(response.data).findall(f"{SM}url")
    locs = [u.findtext(f"{SM}loc") for u in urls]
    assert locs == [
        "http://alice.example.test/",
        "http://alice.example.test/about",
        "http://alice.example.test/post",
    ]
    for url in urls:
        assert url.findtext(f"{SM}lastmod").startswith(str(utcnow().year))


def test_robots_allows_all_and_names_the_sitemap(client, make_site):
    make_site("alice")
    response = client.get("/robots.txt", subdomain="alice")
    assert response.mimetype == "text/plain"
    assert "Allow: /" in response.text
    assert "Sitemap: http://alice.example.test/sitemap.xml" in response.text


def test_noindex_site_disallows_crawlers(client, make_site, make_page):
    site = make_site("alice", noindex=True)
    make_page(site, "About", status="published")
    assert "Disallow: /" in client.get("/robots.txt", subdomain="alice").text
    assert '<meta name="robots" content="noindex">' in client.get("/about", subdomain="alice").text


def test_head_has_canonical_description_and_social_tags(client, make_site, make_page):
    site = make_site("alice", title="Alice", description="Site description")
    make_page(site, "Post", kind="post", status="published", description='Says "hi" & <bye>')
    make_page(site, "Plain page", status="published")
    html = client.get("/post", subdomain="alice").text
    assert '<link rel="canonical" href="http://alice.example.test/post">' in html
    assert '<meta name="description" content="Says &#34;hi&#34; &amp; &lt;bye&gt;">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Post">' in html
    assert '<meta property="og:url" content="http://alice.example.test/post">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    other = client.get("/plain-page", subdomain="alice").text
    assert '<meta name="description" content="Site description">' in other  # falls back
    assert '<meta property="og:type" content="website">' in other


def test_home_page_is_canonical_at_the_root(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Welcome", slug="welcome", status="published", is_home=True)
    html = client.get("/welcome", subdomain="alice").text
    assert '<link rel="canonical" href="http://alice.example.test/">' in html


def test_favicon_default_and_media(client, make_site):
    make_site("alice")
    make_site("bob", favicon="abc123.png")
    assert 'rel="icon" href="/static/site/favicon.svg"' in client.get("/", subdomain="alice").text
    assert (
        client.get("/favicon.ico", subdomain="alice").headers["Location"]
        == "/static/site/favicon.svg"
    )
    assert client.get("/static/site/favicon.svg", subdomain="alice").mimetype == "image/svg+xml"
    assert 'rel="icon" href="/media/abc123.png"' in client.get("/", subdomain="bob").text
    assert client.get("/favicon.ico", subdomain="bob").headers["Location"] == "/media/abc123.png"


def test_custom_css_is_linked_after_the_theme_and_served_as_css(client, make_site):
    css = "body { background: #fffbe6 } /* </style><script>alert(1)</script> */"
    make_site("alice", custom_css=css)
    html = client.get("/", subdomain="alice").text
    theme_at = html.index('href="/static/gen/theme-plain.')
    custom_at = html.index('href="/custom.css?v=')
    assert theme_at < custom_at
    assert "<style" not in html and "alert(1)" not in html  # never inlined
    link = html[custom_at + 6 : html.index('"', custom_at + 6)]
    response = client.get(link, subdomain="alice")
    assert response.mimetype == "text/css"
    assert response.text == css
    assert "immutable" in response.headers["Cache-Control"]  # versioned URL
    unversioned = client.get("/custom.css", subdomain="alice")
    assert "immutable" not in unversioned.headers["Cache-Control"]


def test_no_custom_css_no_link(client, make_site):
    make_site("alice")
    assert "custom.css" not in client.get("/", subdomain="alice").text


def test_visitor_pages_load_no_javascript(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", "<script>alert(1)</script> hi", status="published")
    for path in ("/", "/about", "/missing"):
        assert "<script" not in client.get(path, subdomain="alice").text


def test_feeds_of_an_unknown_site_are_404(client):
    for path in ("/feed.xml", "/sitemap.xml", "/robots.txt", "/custom.css", "/favicon.ico"):
        assert client.get(path, subdomain="nobody").status_code == 404
