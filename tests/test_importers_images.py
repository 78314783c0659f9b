"""Images the old site shows by absolute URL are copied by a job after the import: the text
then points at the new copies; an image that fails keeps its URL and is in the report."""

from __future__ import annotations

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Media
from tests.importing import pages_of, run_import
from tests.test_importers_fetcher import server  # noqa: F401  (the fixture)
from tests.test_transfer import signed_in

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Pics</title><link>https://pics.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://pics.example</wp:base_blog_url>
<item><title>Cats</title><link>https://pics.example/cats/</link>
<content:encoded><![CDATA[<p>Look:</p><p><img src="http://{server}/cat.png" alt="cat"></p>
<p><img src="http://10.0.0.1/private.png" alt="inside"></p>
<p><img src="http://{server}/missing.png" alt="gone"></p>
<p><img src="http://{server}/cat.png" alt="again"></p>]]></content:encoded>
<wp:post_id>5</wp:post_id><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>
<wp:post_name>cats</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item></channel></rss>"""


def test_remote_images_are_copied_and_failures_reported(app, make_site, owner, login, server):  # noqa: F811
    app.config["IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS"] = server
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", WXR.replace("{server}", server).encode(), "p.xml")
    assert status == "done", report
    assert "Images from the old site: 1 copied, 2 failed." in report
    assert (
        "Image http://10.0.0.1/private.png kept its old address: "
        "10.0.0.1 is not fetched from: 10.0.0.1 is a private or reserved address"
    ) in report
    assert f"Image http://{server}/missing.png kept its old address: the old site answered 404" in (
        report
    )
    with app.app_context():
        names = list(db.session.scalars(sa.select(Media.stored_name)))
    assert len(names) == 1
    page = pages_of(app, "acme")["cats"]
    assert page.body.count(f"](/media/{names[0]})") == 2  # both references to the same image
    assert "](http://10.0.0.1/private.png)" in page.body
    assert f'src="/media/{names[0]}"' in page.html
    assert client.get(f"/media/{names[0]}", subdomain="acme").status_code == 200


def test_without_the_test_allowance_the_loopback_server_is_refused(
    app,
    make_site,
    owner,
    login,
    server,  # noqa: F811
):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    status, report = run_import(client, "acme", WXR.replace("{server}", server).encode(), "p.xml")
    assert status == "done" and "0 copied, 3 failed" in report
    assert "127.0.0.1 is a loopback address" in report
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Media)) == 0
