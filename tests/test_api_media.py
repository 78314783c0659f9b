"""POST /api/v1/media: the dashboard's checks and quotas, answered in JSON."""

from __future__ import annotations

import io

import pytest

from sitemaker.extensions import db
from sitemaker.models import Media
from tests.api_helpers import Api, make_token_fixture  # noqa: F401  (make_token)
from tests.dash_helpers import image_bytes


def send(api: Api, *files):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return api.post("/media", data=data, content_type="multipart/form-data")


@pytest.fixture
def api(app, make_user, make_site, make_token):
    user = make_user()
    site = make_site("acme", owner=user)
    return Api(app.test_client(), "acme", make_token(site, user))


def count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Media)).all())


def test_upload_an_image_and_serve_it(api, app):
    response = send(api, ("photo.png", image_bytes()))
    assert response.status_code == 201
    (item,) = response.get_json()["files"]
    assert item["content_type"] == "image/png" and (item["width"], item["height"]) == (40, 30)
    assert item["name"] == "photo.png" and item["url"].startswith("/media/")
    served = api.client.get(item["url"], subdomain="acme")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    used = api.get("/site").get_json()["bytes_used"]
    assert used == item["size"] and isinstance(used, int)  # not a Decimal string on PostgreSQL
    again = send(api, ("copy.png", image_bytes()))
    assert again.get_json()["files"][0]["id"] == item["id"]  # same bytes, one stored file
    assert count(app) == 1


@pytest.mark.parametrize(
    "name, content, status",
    [
        ("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", 415),
        ("page.html", b"<html><script>alert(1)</script></html>", 415),
        ("empty.png", b"", 400),
        ("broken.png", image_bytes()[:60], 400),
        ("fake.pdf", b"%PDF-1.4 <html><script>", 415),
    ],
)
def test_refused_files_keep_nothing(api, app, name, content, status):
    response = send(api, ("ok.png", image_bytes()), (name, content))
    assert response.status_code == status, response.data
    body = response.get_json()
    assert body["error"] == "upload_refused" and body["field"] == "file" and name in body["message"]
    assert count(app) == 0


def test_quotas_and_limits(make_app, make_user, make_site, make_token):
    app = make_app(MEDIA_MAX_FILE_BYTES=2000, MAX_CONTENT_LENGTH=50_000)
    user = make_user()
    site = make_site("acme", owner=user, max_bytes=50)
    api = Api(app.test_client(), "acme", make_token(site, user))
    per_file = send(api, ("big.png", b"\x89PNG" + bytes(3000)))
    assert per_file.status_code == 413 and "limit per file" in per_file.get_json()["message"]
    over_room = send(api, ("small.png", image_bytes()))
    assert over_room.status_code == 413 and "Not enough room" in over_room.get_json()["message"]
    huge = send(api, ("huge.bin", b"x" * 60_000))
    assert huge.status_code == 413 and huge.get_json()["error"] == "too_large"
    assert count(app) == 0


def test_wrong_shapes(api):
    no_file = api.post("/media", data={"other": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and no_file.get_json()["field"] == "file"
    as_json = api.post("/media", json={"file": "aGVsbG8="})
    assert as_json.status_code == 415 and as_json.get_json()["error"] == "unsupported_media_type"
    raw = api.post("/media", data=image_bytes(), content_type="image/png")
    assert raw.status_code == 415


def test_media_needs_scope_and_role(app, make_user, make_site, make_token):
    owner = make_user()
    site = make_site("acme", owner=owner)
    client = app.test_client()
    no_scope = Api(client, "acme", make_token(site, owner, ["pages:read"]))
    assert send(no_scope, ("a.png", image_bytes())).status_code == 403
    author = Api(client, "acme", make_token(site, make_user(), role="author"))
    assert send(author, ("a.png", image_bytes())).status_code == 201
    assert count(app) == 1
