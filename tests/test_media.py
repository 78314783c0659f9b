"""Media: uploads are decoded, cleaned and stored by content hash; the visitor route serves them
safely; bad files get a clear 4xx and leave what is stored untouched."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib

import pytest
from PIL import Image

from sitemaker.extensions import db
from sitemaker.models import Media, Membership, Site
from sitemaker.services.media import human_size
from tests.dash_helpers import csrf_from, image_bytes

JSON = {"Accept": "application/json"}


@pytest.fixture
def owner(make_user, make_site, client, login):
    user = make_user("owner@example.org")
    make_site("acme", owner=user)
    login(client, user, "acme")
    return user


def upload(client, *files, json=True, token=None):
    token = token or csrf_from(client, "/admin/media", "acme")
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    headers = {"X-CSRFToken": token, **(JSON if json else {})}
    return client.post(
        "/admin/media",
        data=data,
        headers=headers,
        subdomain="acme",
        content_type="multipart/form-data",
    )


def media_rows(app):
    with app.app_context():
        return [
            (m.stored_name, m.original_name, m.size)
            for m in db.session.scalars(db.select(Media).order_by(Media.id))
        ]


def stored_files(app):
    root = app.config["MEDIA_ROOT"]
    found = []
    for folder, _, names in os.walk(root):
        found += [os.path.join(folder, n) for n in names]
    return sorted(found)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(width=20000, height=20000) -> bytes:
    """A tiny file that claims 400 megapixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def test_upload_png_answers_json_and_serves_it(client, app, owner):
    content = image_bytes("PNG")
    response = upload(client, ("Red dot.png", content))
    assert response.status_code == 201, response.data
    (item,) = response.get_json()["files"]
    assert item["name"] == "Red dot.png"
    assert item["url"].startswith("/media/") and item["url"].endswith(".png")
    assert item["markdown"] == f"![Red dot]({item['url']})"
    name = item["url"].rsplit("/", 1)[1]
    served = client.get(item["url"], subdomain="acme")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert name == hashlib.sha256(served.data).hexdigest() + ".png"
    assert Image.open(io.BytesIO(served.data)).size == (40, 30)
    again = client.get(
        item["url"], subdomain="acme", headers={"If-None-Match": served.headers["ETag"]}
    )
    assert again.status_code == 304


def test_jpeg_loses_its_exif_and_keeps_its_rotation(client, app, owner):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    content = image_bytes("JPEG", size=(60, 20), exif=exif.tobytes())
    assert b"SecretCam" in content
    response = upload(client, ("photo.jpg", content))
    assert response.status_code == 201
    served = client.get(response.get_json()["files"][0]["url"], subdomain="acme")
    assert b"SecretCam" not in served.data
    image = Image.open(io.BytesIO(served.data))
    assert "exif" not in image.info
    assert image.size == (20, 60)  # the rotation was applied before the EXIF went


def test_large_image_gets_a_web_copy(client, app, owner):
    response = upload(client, ("wide.png", image_bytes("PNG", size=(3200, 800))))
    assert response.status_code == 201
    with app.app_context():
        row = db.session.scalar(db.select(Media))
        assert (row.width, row.height) == (3200, 800)
        assert row.web_name and row.web_name != row.stored_name
        web_name = row.web_name
    item = response.get_json()["files"][0]
    assert item["markdown"].endswith(f"(/media/{web_name})")
    web = client.get(f"/media/{web_name}", subdomain="acme")
    assert Image.open(io.BytesIO(web.data)).size == (1600, 400)


def test_several_files_and_pdf_with_safe_disposition(client, app, owner):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = upload(
        client,
        ("a.gif", image_bytes("GIF")),
        ("Réport; Q1.pdf", pdf),
        ("b.webp", image_bytes("WEBP")),
    )
    assert response.status_code == 201
    files = response.get_json()["files"]
    assert [f["name"] for f in files] == ["a.gif", "Réport; Q1.pdf", "b.webp"]
    served = client.get(files[1]["url"], subdomain="acme")
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"] == 'inline; filename="Rport Q1.pdf"'
    assert served.data == pdf
    assert client.get(files[2]["url"], subdomain="acme").headers["Content-Type"] == "image/webp"


def test_same_file_twice_is_stored_once(client, app, owner):
    content = image_bytes("PNG")
    upload(client, ("one.png", content))
    upload(client, ("two.png", content))
    assert len(media_rows(app)) == 1


def test_html_form_upload_redirects_with_a_message(client, app, owner):
    response = upload(client, ("dot.png", image_bytes("PNG")), json=False)
    assert response.status_code == 302
    page = client.get("/admin/media", subdomain="acme")
    assert page.data.count(b"Uploaded dot.png.") == 1  # shown by the layout, once
    assert b"dot.png" in page.data


BAD_FILES = [
    (
        "page.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        415,
        "SVG, HTML",
    ),
    ("page.html", b"<!doctype html><script>alert(1)</script>", 415, "SVG, HTML"),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"this is not an image" * 10, 415, "not a PNG"),
    ("script.gif", b"GIF89a/*\x00\x00*/=alert(1);", 415, "not a PNG"),
    ("cut.png", image_bytes("PNG", size=(300, 300), color=None)[:400], 400, "damaged"),
    ("bomb.png", bomb_png(), 413, "too many pixels"),
    ("pdf.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>", 415, "carries HTML"),
    ("empty.png", b"", 400, "empty"),
    ("exe.png", b"MZ\x90\x00" + b"\x00" * 200, 415, "not a PNG"),
]


@pytest.mark.parametrize(
    ("name", "content", "status", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_files_are_refused_and_nothing_changes(
    client, app, owner, name, content, status, message
):
    upload(client, ("keep.png", image_bytes("PNG")))
    before_rows, before_files = media_rows(app), stored_files(app)
    # A good file in the same batch is not kept either: a batch is all or nothing.
    response = upload(client, ("good.png", image_bytes("PNG", color=(1, 2, 3))), (name, content))
    assert response.status_code == status, response.data
    body = response.get_json()
    assert message in body["message"] and body["error"] == "upload_refused"
    assert media_rows(app) == before_rows
    assert stored_files(app) == before_files


def test_refusal_from_the_html_form_is_a_4xx_page(client, app, owner):
    response = upload(client, ("x.svg", b"<svg/>"), json=False)
    assert response.status_code == 415
    assert b"SVG, HTML" in response.data


def test_polyglot_png_with_html_is_cleaned(client, app, owner):
    clean = image_bytes("PNG")
    text = png_chunk(b"tEXt", b"Comment\x00<html><script>alert(document.cookie)</script>")
    polyglot = clean[:33] + text + clean[33:] + b"<script>alert(2)</script>"
    response = upload(client, ("poly.png", polyglot))
    assert response.status_code == 201
    served = client.get(response.get_json()["files"][0]["url"], subdomain="acme")
    assert b"<script" not in served.data and b"<html" not in served.data
    assert served.headers["Content-Type"] == "image/png"


def test_file_over_the_per_file_limit(make_app, make_user, make_site, login):
    app = make_app(MEDIA_MAX_FILE_BYTES=20_000)
    client = app.test_client()
    user = make_user()
    make_site("acme", owner=user)
    login(client, user, "acme")
    noise = Image.frombytes("RGB", (100, 100), os.urandom(100 * 100 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 20_000
    response = upload(client, ("big.png", out.getvalue()))
    assert response.status_code == 413
    assert "the limit per file is 19.5 KB" in response.get_json()["message"]


def test_request_over_the_server_limit(make_app, make_user, make_site, login):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.test_client()
    user = make_user()
    make_site("acme", owner=user)
    login(client, user, "acme")
    response = upload(client, ("huge.pdf", b"%PDF-" + b"0" * 60_000))
    assert response.status_code == 413
    assert response.get_json()["message"]


def test_site_quota_says_how_much_room_is_left(client, app, owner):
    with app.app_context():
        site = db.session.scalar(db.select(Site))
        site.max_bytes = 3000
        db.session.commit()
    first = upload(client, ("small.png", image_bytes("PNG")))
    assert first.status_code == 201
    used = first.get_json()["files"][0]["size"]
    noise = Image.frombytes("RGB", (40, 40), os.urandom(40 * 40 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    response = upload(client, ("noise.png", out.getvalue()))
    assert response.status_code == 413
    message = response.get_json()["message"]
    assert (
        "Not enough room" in message and f"has {human_size(3000 - used)} left of 2.9 KB" in message
    )
    assert len(media_rows(app)) == 1


def test_missing_field_and_missing_csrf(client, app, owner):
    token = csrf_from(client, "/admin/media", "acme")
    response = client.post(
        "/admin/media", data={}, headers={"X-CSRFToken": token, **JSON}, subdomain="acme"
    )
    assert response.status_code == 400
    assert "Choose a file" in response.get_json()["message"]
    response = client.post(
        "/admin/media",
        data={"file": (io.BytesIO(image_bytes()), "a.png")},
        headers=JSON,
        subdomain="acme",
    )
    assert response.status_code == 400
    assert media_rows(app) == []


def test_media_of_other_sites_and_unknown_names_are_404(client, app, owner, make_site, make_user):
    response = upload(client, ("mine.png", image_bytes("PNG")))
    url = response.get_json()["files"][0]["url"]
    make_site("other", owner=make_user())
    assert client.get(url, subdomain="other").status_code == 404
    assert client.get("/media/" + "0" * 64 + ".png", subdomain="acme").status_code == 404
    assert client.get("/media/..%2F..%2Fetc%2Fpasswd", subdomain="acme").status_code == 404


def test_delete_media_removes_record_and_file(client, app, owner):
    response = upload(client, ("bye.png", image_bytes("PNG")))
    url = response.get_json()["files"][0]["url"]
    media_id = response.get_json()["files"][0]["id"]
    with app.app_context():
        db.session.scalar(db.select(Site)).favicon = url.rsplit("/", 1)[1]
        db.session.commit()
    token = csrf_from(client, "/admin/media", "acme")
    response = client.post(
        f"/admin/media/{media_id}/delete", data={"csrf_token": token}, subdomain="acme"
    )
    assert response.status_code == 302
    assert media_rows(app) == [] and stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(Site)).favicon is None
    assert client.get(url, subdomain="acme").status_code == 404


def test_author_deletes_own_files_only(client, app, owner, make_user, login):
    first = upload(client, ("owners.png", image_bytes("PNG")))
    owners_id = first.get_json()["files"][0]["id"]
    author = make_user("author@example.org")
    with app.app_context():
        site = db.session.scalar(db.select(Site))
        db.session.add(Membership(site_id=site.id, user_id=author.id, role="author"))
        db.session.commit()
    other = app.test_client()
    login(other, author, "acme")
    token = csrf_from(other, "/admin/media", "acme")
    response = other.post(
        f"/admin/media/{owners_id}/delete",
        data={"csrf_token": token},
        headers=JSON,
        subdomain="acme",
    )
    assert response.status_code == 403
    assert "Only editors" in response.get_json()["message"]
    assert len(media_rows(app)) == 1


def odd_images() -> dict[str, bytes]:
    frames = [Image.new("RGB", (30, 20), (i * 90, 0, 0)) for i in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    palette = io.BytesIO()
    pal = Image.new("P", (10, 10), 0)
    pal.putpalette([255, 0, 0, 0, 255, 0])
    pal.putpixel((0, 0), 1)
    pal.save(palette, format="PNG", transparency=0)
    cmyk = io.BytesIO()
    Image.new("CMYK", (12, 8), (0, 50, 100, 0)).save(cmyk, format="JPEG")
    deep = io.BytesIO()
    Image.new("I;16", (9, 9), 40000).save(deep, format="PNG")
    return {
        "anim.gif": gif.getvalue(),
        "palette.png": palette.getvalue(),
        "cmyk.jpg": cmyk.getvalue(),
        "deep.png": deep.getvalue(),
    }


def test_unusual_but_valid_images_keep_what_matters(client, app, owner):
    images = odd_images()
    response = upload(client, *images.items())
    assert response.status_code == 201, response.data
    served = {
        f["name"]: Image.open(io.BytesIO(client.get(f["url"], subdomain="acme").data))
        for f in response.get_json()["files"]
    }
    assert served["anim.gif"].n_frames == 3  # still animated
    rgba = served["palette.png"].convert("RGBA")
    assert rgba.getpixel((0, 0)) == (0, 255, 0, 255)
    assert rgba.getpixel((5, 5))[3] == 0  # still transparent
    assert served["cmyk.jpg"].size == (12, 8)
    assert served["deep.png"].size == (9, 9)


def test_cleanup_after_a_failed_commit_spares_files_in_use(app, owner):
    """A rolled-back upload removes what it wrote, except bytes a committed record now uses
    (two requests uploading the same file at once write the same name)."""
    from sitemaker.services import media as media_service
    from sitemaker.services import storage

    with app.test_request_context():
        site = db.session.scalar(db.select(Site))
        kept = media_service.prepare("kept.png", image_bytes("PNG"))
        lost = media_service.prepare("lost.png", image_bytes("PNG", color=(9, 9, 9)))
        media_service.store_all(site, [kept], None)
        db.session.commit()
        storage.save(site.id, lost.stored_name, lost.data)
        media_service.forget_files(site.id, [kept.stored_name, lost.stored_name])
        assert storage.read(site.id, kept.stored_name) == kept.data
        assert storage.read(site.id, lost.stored_name) is None


def test_behind_nginx_the_app_names_the_file_and_sends_no_bytes(client, app, owner):
    content = image_bytes("PNG")
    url = upload(client, ("dot.png", content)).get_json()["files"][0]["url"]
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_media/"
    with app.app_context():
        site_id = db.session.scalar(db.select(Site.id).where(Site.subdomain == "acme"))
    served = client.get(url, subdomain="acme")
    assert served.status_code == 200 and served.data == b""
    assert served.headers["X-Accel-Redirect"] == f"/_media/{site_id}/{url.rsplit('/', 1)[1]}"
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/media/" + "0" * 64 + ".png", subdomain="acme").status_code == 404
