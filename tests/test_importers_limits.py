"""Hostile or broken exports get a clear message and change nothing; an import into one
site never touches another."""

from __future__ import annotations

import json

import pytest

from sitemaker.services.importers import wordpress
from sitemaker.services.transfer_import import ImportRefused
from tests.dash_helpers import image_bytes
from tests.importing import fixture, keys_of, pages_of, run_import
from tests.test_transfer import make_zip, signed_in, snapshot, upload_media

PNG = image_bytes("PNG", (8, 8))

HEAD = (
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>x</title>'
    "<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://old.example</wp:base_blog_url>"
)


def wxr(count: int, start: int = 1, base: str = "https://old.example") -> bytes:
    items = "".join(
        f"<item><title>Post {n}</title><link>{base}/{2000 + n % 20}/01/post-{n}/</link>"
        f"<content:encoded><![CDATA[<p>Text of post <strong>{n}</strong>.</p>]]>"
        f"</content:encoded><wp:post_id>{n}</wp:post_id>"
        f"<wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><wp:post_name>post-{n}"
        "</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        '<category domain="post_tag" nicename="t"><![CDATA[Tag]]></category></item>'
        for n in range(start, start + count)
    )
    head = HEAD.replace("https://old.example", base)
    return f'<?xml version="1.0" encoding="UTF-8"?>{head}{items}</channel></rss>'.encode()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    + "]><rss><channel><title>&lol9;</title></channel></rss>"
).replace("&lol0;", "&lol;")
BAD_FILES = {
    "billion laughs": (BILLION_LAUGHS.encode(), "x.xml", "declares a DTD or entities"),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><title>&x;</title></channel></rss>",
        "x.xml",
        "declares a DTD or entities",
    ),
    "external dtd": (
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://169.254.169.254/x.dtd"><rss/>',
        "x.xml",
        "declares a DTD or entities",
    ),
    "invalid utf-8": (wxr(2).replace(b"Post 1", b"Post \xff\xfe"), "x.xml", "not valid UTF-8"),
    "truncated wxr": (wxr(3)[:-200], "x.xml", "not complete XML"),
    "rss but not wordpress": (
        b"<rss><channel><title>feed</title></channel></rss>",
        "feed.xml",
        "not a WordPress export",
    ),
    "other xml": (b"<svg/>", "x.xml", "not a WordPress export"),
    "10,000 posts": (wxr(10_000), "big.xml", "at most 5,000 are imported"),
    "ghost wrong shape": (b'{"db": [{"data": {"posts": {}}}]}', "g.json", "not a Ghost export"),
    "ghost empty db": (b'{"db": []}', "g.json", "not a Ghost export"),
    "ghost a list": (b"[1, 2, 3]", "g.json", "not a Ghost export"),
    "ghost truncated": (fixture("ghost-5.json")[:400], "g.json", "not complete JSON"),
    "ghost deep": (b"{" + b'"a":[' * 50_000, "g.json", "not"),
    "static bad toml": (
        make_zip({"hugo.toml": "", "content/a.md": "+++\ntitle = \n+++\nx"}),
        "s.zip",
        "front matter is not valid",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_exports_are_refused_and_change_nothing(app, make_site, make_page, owner, login, case):
    data, name, message = BAD_FILES[case]
    site = make_site("acme", owner=owner)
    make_page(site, "Keep me", "Precious words.", status="published")
    client = signed_in(app, login, owner, "acme")
    before = snapshot(app, "acme")
    status, text = run_import(client, "acme", data, name)
    assert message in text, text[-500:]
    if case == "static bad toml":  # one bad page is skipped with its reason; the rest imports
        assert status == "done" and "Skipped content/a.md" in text
        return
    assert status == "failed", text[-500:]
    assert snapshot(app, "acme") == before
    assert keys_of(app, "acme") == set()


def test_unknown_files_and_huge_uploads_are_refused_at_once(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, text = run_import(client, "acme", b"GIF89a not an export", "x.gif")
    assert status == "refused" and text.startswith("415") and "not a zip file" in text
    status, text = run_import(client, "acme", b"<" + b"x" * (17 * 1024 * 1024), "big.xml")
    assert status == "refused" and text.startswith("413")


def test_a_200_mb_wxr_is_refused_by_size_before_parsing(app):
    data = b"<" * (200 * 1024 * 1024)  # parsing this would fail; the size check comes first
    with app.app_context(), pytest.raises(ImportRefused) as refused:
        wordpress.parse(data)
    assert refused.value.status == 413 and "200 MB; at most 64 MB" in refused.value.message


def test_an_import_into_one_site_never_touches_another(app, make_site, make_page, owner, login):
    make_site("acme", owner=owner)
    bob = make_site("bob", owner=owner)
    make_page(bob, "Post 1", "Bob's own.", slug="post-1", status="published")
    client = signed_in(app, login, owner, "bob")
    assert run_import(client, "bob", wxr(3, base="http://bob.example.test"), "b.xml")[0] == "done"
    bob_before = snapshot(app, "bob")
    bob_keys = keys_of(app, "bob")
    # The same file (same source ids, B's host in every link) and a zip pointing at B's media.
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", wxr(3, base="http://bob.example.test"), "a.xml")
    assert status == "done" and "3 post(s)" in report  # ids seen in B do not count here
    assert set(pages_of(app, "acme")) == {"post-1", "post-2", "post-3"}
    assert snapshot(app, "bob") == bob_before and keys_of(app, "bob") == bob_keys
    assert b"Bob's own." in app.test_client().get("/post-1", subdomain="bob").data
    response = app.test_client().get("/2001/01/post-1/", subdomain="acme")
    assert response.status_code == 301 and response.headers["Location"].endswith("/post-1")
    # A page that shows B's media by its hash gets no access to B's file from A.
    bob_url = upload_media(signed_in(app, login, owner, "bob"), "bob", ("b.png", PNG))[0]["url"]
    zipped = make_zip({"hugo.toml": "", "content/x.md": f"![b]({bob_url})"})
    assert run_import(client, "acme", zipped, "x.zip")[0] == "done"
    assert f"![b]({bob_url})" in pages_of(app, "acme")["x"].body  # the link stays text
    assert client.get(bob_url, subdomain="acme").status_code == 404
    assert snapshot(app, "bob")[4] == [bob_url.removeprefix("/media/")]


def test_five_thousand_posts_import_in_one_job(app, make_site, owner, login, capsys):
    """Measured, not asserted: the time is printed for the record."""
    import time

    site = make_site("acme", owner=owner, max_pages=6000)
    assert site.max_pages == 6000
    client = signed_in(app, login, owner, "acme")
    data = wxr(5000)
    started = time.perf_counter()
    status, report = run_import(client, "acme", data, "big.xml")
    seconds = time.perf_counter() - started
    assert status == "done", report[-300:]
    assert "From WordPress: 5000 post(s), 0 page(s) (0 scheduled), 1 tag(s)" in report
    assert len(pages_of(app, "acme")) == 5000
    with capsys.disabled():
        print(f"\n5,000-post WXR ({len(data) / 1e6:.1f} MB) imported in {seconds:.1f} s")


def test_the_report_is_json_readable(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", fixture("wordpress-1.2.xml"), "x.xml")
    assert status == "done" and json.dumps(report)
