"""Export and import: the round trip keeps everything; bad zips change nothing."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from datetime import datetime, timedelta

import pytest
import yaml

from sitemaker.extensions import db
from sitemaker.models import Media, Page, PageRevision, Site
from sitemaker.models.common import utcnow
from tests.dash_helpers import csrf_from, image_bytes


def signed_in(app, login, user, subdomain):
    client = app.test_client()
    login(client, user, subdomain)
    return client


def upload_media(client, subdomain, *files):
    token = csrf_from(client, "/admin/media", subdomain)
    response = client.post(
        "/admin/media",
        data={"file": [(io.BytesIO(content), name) for name, content in files]},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        subdomain=subdomain,
    )
    assert response.status_code == 201, response.data
    return response.get_json()["files"]


def export(client, subdomain) -> dict[str, bytes]:
    """Start an export (a job, run at the commit here) and download what its status offers."""
    token = csrf_from(client, "/admin/export", subdomain)
    started = client.post("/admin/export", data={"csrf_token": token}, subdomain=subdomain)
    assert started.status_code == 302
    status = client.get(started.headers["Location"] + ".json", subdomain=subdomain).get_json()
    assert status["status"] == "done" and status["percent"] == 100, status
    response = client.get(status["download"], subdomain=subdomain)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith(f"attachment; filename={subdomain}-")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def make_zip(entries: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def import_zip(client, subdomain, data: bytes | None, name="site.zip", **form):
    form["csrf_token"] = csrf_from(client, "/admin/import", subdomain)
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/admin/import", data=form, subdomain=subdomain)


def outcome(client, subdomain, response) -> tuple[str, str]:
    """(status, message) of the import a POST started, or ("refused", page) when the request
    itself refused the upload."""
    if response.status_code != 302:
        return "refused", response.data.decode().replace("&#39;", "'")
    status = client.get(response.headers["Location"] + ".json", subdomain=subdomain).get_json()
    return status["status"], status["message"]


def snapshot(app, subdomain):
    """Everything an import could touch, to prove a refused one touched nothing."""
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.subdomain == subdomain))
        pages = db.session.execute(
            db.select(Page.slug, Page.title, Page.body, Page.status, Page.version)
            .where(Page.site_id == site.id)
            .order_by(Page.slug)
        ).all()
        media = db.session.scalars(
            db.select(Media.stored_name).where(Media.site_id == site.id).order_by(Media.id)
        ).all()
        revisions = db.session.scalar(
            db.select(db.func.count())
            .select_from(PageRevision)
            .where(PageRevision.site_id == site.id)
        )
        return (
            site.title,
            site.navigation,
            site.content_version,
            list(pages),
            list(media),
            revisions,
        )


def build_source_site(app, client, make_site, make_page, owner):
    site = make_site(
        "source",
        owner=owner,
        title="Source Site",
        tagline="Tag line",
        custom_css="body { color: #333 }",
    )
    files = upload_media(
        client,
        "source",
        ("dot.png", image_bytes("PNG")),
        ("wide.jpg", image_bytes("JPEG", size=(2400, 600))),
        ("doc.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    make_page(site, "Home", "Welcome home.", status="published", is_home=True)
    about = make_page(
        site,
        "About us",
        f"We are *us*.\n\n{files[0]['markdown']}\n\n{files[1]['markdown']}",
        status="published",
        description="Who we are",
    )
    make_page(
        site, "Ünïcode — notes", "Çà et là: “quotes” 🙂\n---\nnot front matter", slug="unicode"
    )
    make_page(
        site,
        "Later",
        "Soon.",
        kind="post",
        status="published",
        published_at=datetime(2031, 5, 6, 7, 8, 9),
    )
    trashed = make_page(site, "Trashed", "Gone.")
    with app.app_context():
        db.session.get(Page, trashed.id).deleted_at = utcnow()
        db.session.get(Site, site.id).navigation = json.dumps([about.id])
        db.session.commit()
    return site


def test_export_import_export_gives_the_same_content(app, make_site, make_page, owner, login):
    source = signed_in(app, login, owner, "source")
    build_source_site(app, source, make_site, make_page, owner)
    first = export(source, "source")

    names = sorted(first)
    assert "site.json" in names and "pages/trashed.md" not in names
    assert {"pages/home.md", "pages/about-us.md", "pages/unicode.md", "pages/later.md"} <= set(
        names
    )
    assert len([n for n in names if n.startswith("media/")]) == 4  # png, jpg + web copy, pdf
    about = first["pages/about-us.md"].decode()
    head, body = about.split("---\n", 2)[1:]
    meta = yaml.safe_load(head)
    assert meta["title"] == "About us" and meta["status"] == "published" and meta["kind"] == "page"
    assert meta["description"] == "Who we are" and meta["is_home"] is False
    assert body.startswith("We are *us*.")
    manifest = json.loads(first["site.json"])
    assert manifest["navigation"] == ["about-us"]
    assert manifest["settings"]["tagline"] == "Tag line"

    make_site("copy", owner=owner)
    target = signed_in(app, login, owner, "copy")
    response = import_zip(target, "copy", make_zip(first), replace_settings="1")
    assert response.status_code == 302
    page = target.get(response.headers["Location"], subdomain="copy")
    assert b"Imported 4 page(s) and 3 file(s)." in page.data

    second = export(target, "copy")
    assert sorted(second) == names
    for name in names:
        assert second[name] == first[name], name
    # And the copy works for visitors: pages, media, the scheduled post still scheduled.
    assert b"We are <em>us</em>" in target.get("/about-us", subdomain="copy").data
    media_url = "/" + [n for n in names if n.endswith(".png")][0]
    assert target.get(media_url, subdomain="copy").status_code == 200
    assert target.get("/later", subdomain="copy").status_code == 404
    with app.app_context():
        reasons = set(
            db.session.scalars(
                db.select(PageRevision.reason).join(Site).where(Site.subdomain == "copy")
            )
        )
        assert reasons == {"import"}


def test_import_a_folder_of_markdown(app, make_site, owner, login, make_page):
    site = make_site("acme", owner=owner)
    make_page(site, "About", "Ours.", slug="about")
    client = signed_in(app, login, owner, "acme")
    data = make_zip(
        {
            "notes/": "",
            "notes/first-note.md": "# The First Note\n\nHello from a plain file.",
            "notes/about.md": "---\ntitle: About them\nstatus: published\npublished_at: 2024-01-02T03:04:05Z\n---\nTheirs.",
            "notes/admin.md": "---\ntitle: Admin notes\n---\nNot the dashboard.",
            "notes/README.txt": "ignored",
            "__MACOSX/notes/._about.md": b"\x00\x01",
        }
    )
    response = import_zip(client, "acme", data)
    status, message = outcome(client, "acme", response)
    assert status == "done"
    assert "Imported 3 page(s)" in message
    assert "'about' already exists; imported as 'about-2'." in message
    with app.app_context():
        pages = {p.slug: p for p in db.session.scalars(db.select(Page))}
        assert pages["about"].title == "About" and pages["about"].body == "Ours."
        assert pages["about-2"].title == "About them" and pages["about-2"].status == "published"
        assert pages["about-2"].published_at == datetime(2024, 1, 2, 3, 4, 5)
        assert (
            pages["first-note"].title == "The First Note" and pages["first-note"].status == "draft"
        )
        assert "admin" not in pages and pages["admin-page"].title == "Admin notes"
    assert b"Theirs." in client.get("/about-2", subdomain="acme").data


def test_import_can_skip_existing_slugs(app, make_site, owner, login, make_page):
    site = make_site("acme", owner=owner)
    make_page(site, "About", "Ours.", slug="about")
    client = signed_in(app, login, owner, "acme")
    response = import_zip(
        client, "acme", make_zip({"about.md": "Theirs.", "new.md": "New."}), on_conflict="skip"
    )
    assert response.status_code == 302
    assert (
        b"&#39;about&#39; already exists; skipped."
        in client.get(response.headers["Location"], subdomain="acme").data
    )
    with app.app_context():
        assert sorted(db.session.scalars(db.select(Page.slug))) == ["about", "new"]
        assert db.session.scalar(db.select(Page.body).where(Page.slug == "about")) == "Ours."


def corrupted(marker: bytes, offset: int, value: bytes) -> bytes:
    """A real zip with one field of one of its directory records overwritten."""
    data = bytearray(make_zip({"a.md": "x" * 100, "b.md": "y"}))
    at = data.index(marker) + offset
    data[at : at + len(value)] = value
    return bytes(data)


def shifted_directory() -> bytes:
    """The end record points past the real central directory (zipfile: negative seek)."""
    data = make_zip({"a.md": "x" * 100, "b.md": "y"})
    at = data.index(b"PK\x05\x06") + 16
    offset = struct.unpack("<I", data[at : at + 4])[0]
    return data[:at] + struct.pack("<I", offset + 50) + data[at + 4 :]


BAD_ZIPS = {
    "unknown zip version": (corrupted(b"PK\x01\x02", 6, b"\xff\x00"), 400, "not a zip file"),
    "bad entry offset": (corrupted(b"PK\x01\x02", 42, b"\x00\x00\x00\xf0"), 400, "damaged"),
    "shifted directory": (shifted_directory(), 400, "damaged"),
    "not a zip": (b"PK\x03\x04 but not really a zip", "now", "not a zip file"),
    "a png": (image_bytes("PNG"), "now", "not a zip file"),
    "parent path": (make_zip({"../../evil.md": "x"}), 400, "unsafe path"),
    "absolute path": (make_zip({"/etc/evil.md": "x"}), 400, "unsafe path"),
    "backslash path": (make_zip({"..\\..\\x.md": "x"}), 400, "unsafe path"),
    "zip bomb ratio": (make_zip({"media/zeros.png": b"\x00" * 5_000_000}), 413, "zip bomb"),
    "zip bomb total": (
        make_zip({f"media/{i}.png": b"\x00" * 9_000_000 for i in range(8)}),
        413,
        "unpacks to more than",
    ),
    "too many entries": (
        make_zip({f"p{i}.md": "x" for i in range(2001)}, zipfile.ZIP_STORED),
        413,
        "2001 entries",
    ),
    "huge markdown": (make_zip({"big.md": "word " * 220_000}), 413, "too large"),
    "long markdown": (make_zip({"long.md": "word " * 60_000}), 413, "the limit is 250,000"),
    "not utf-8": (make_zip({"latin.md": "café".encode("latin-1")}), 400, "not UTF-8"),
    "bad yaml": (make_zip({"a.md": "---\ntitle: [unclosed\n---\nx"}), 400, "not valid YAML"),
    "yaml list": (make_zip({"a.md": "---\n- a\n- b\n---\nx"}), 400, "key: value"),
    "bad status": (
        make_zip({"ok.md": "fine", "a.md": "---\nstatus: live\n---\nx"}),
        400,
        "'status' must be draft or published",
    ),
    "bad date": (make_zip({"a.md": "---\npublished_at: soon\n---\nx"}), 400, "is not a date"),
    "no markdown": (make_zip({"photo.txt": "x"}), 400, "no Markdown"),
    "bad site.json": (
        make_zip({"site.json": "{nope", "a.md": "x"}),
        400,
        "site.json is not valid JSON",
    ),
    "svg in media": (make_zip({"a.md": "x", "media/x.svg": "<svg/>"}), 415, "not accepted"),
    "empty": (b"", "now", "Choose a zip file"),
}


@pytest.mark.parametrize("case", list(BAD_ZIPS), ids=list(BAD_ZIPS))
def test_bad_imports_are_refused_and_change_nothing(app, make_site, make_page, owner, login, case):
    data, status, message = BAD_ZIPS[case]
    site = make_site("acme", owner=owner)
    make_page(site, "Keep me", "Precious words.", status="published")
    client = signed_in(app, login, owner, "acme")
    before = snapshot(app, "acme")
    response = import_zip(client, "acme", data)
    result, text = outcome(client, "acme", response)
    # A file that is plainly no zip is refused by the request; the rest by the import job.
    assert result == ("refused" if status == "now" else "failed"), text[-400:]
    assert message in text, text[-400:]
    assert snapshot(app, "acme") == before
    assert b"Precious words." in client.get("/keep-me", subdomain="acme").data


def test_missing_file_field_and_bad_conflict_choice(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    response = import_zip(client, "acme", None)
    assert response.status_code == 400 and b"Choose a zip file" in response.data
    response = import_zip(client, "acme", make_zip({"a.md": "x"}), on_conflict="overwrite")
    assert response.status_code == 400 and b"rename or skip" in response.data


def test_import_respects_the_page_quota(app, make_site, owner, login):
    make_site("acme", owner=owner, max_pages=2)
    client = signed_in(app, login, owner, "acme")
    response = import_zip(client, "acme", make_zip({f"p{i}.md": "x" for i in range(3)}))
    assert outcome(client, "acme", response) == (
        "failed",
        "The zip has 3 pages; this site has room for 2 more.",
    )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Page)) == 0


def test_editor_cannot_export_or_import(app, make_site, owner, make_user, login):
    site = make_site("acme", owner=owner)
    editor = make_user()
    with app.app_context():
        from sitemaker.models import Membership

        db.session.add(Membership(site_id=site.id, user_id=editor.id, role="editor"))
        db.session.commit()
    client = signed_in(app, login, editor, "acme")
    assert client.get("/admin/export", subdomain="acme").status_code == 403
    token = csrf_from(client, "/admin/pages", "acme")
    refused = client.post("/admin/export", data={"csrf_token": token}, subdomain="acme")
    assert refused.status_code == 403
    assert client.get("/admin/import", subdomain="acme").status_code == 403


def test_future_dates_survive_and_timezones_become_utc(app, make_site, owner, login):
    make_site("acme", owner=owner)
    client = signed_in(app, login, owner, "acme")
    when = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    doc = f"---\nstatus: published\nkind: post\npublished_at: '{when.isoformat()}+02:00'\n---\nx"
    response = import_zip(client, "acme", make_zip({"soon.md": doc}))
    assert outcome(client, "acme", response)[0] == "done"
    with app.app_context():
        assert db.session.scalar(db.select(Page.published_at)) == when - timedelta(hours=2)
