"""Upload budgets: files per request, pixels per file and per request (frames counted), each
member's allowance per window, and the host's decode slots, all settled from image headers
before anything is decoded. The dashboard and the API share them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sitemaker.extensions import db
from sitemaker.models import Media
from sitemaker.services import image_budget
from tests.api_helpers import Api, make_token_fixture  # noqa: F401  (make_token)
from tests.dash_helpers import csrf_from, image_bytes


@pytest.fixture(scope="module")
def flat_webp() -> bytes:
    """The finding's file: a lossless WebP of a single colour claiming 49 megapixels in a few
    dozen bytes (decoding and re-encoding it takes seconds and about a gigabyte)."""
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (10, 20, 30)).save(out, "WEBP", lossless=True, method=0)
    return out.getvalue()


def animated_gif(frames: int, size=(100, 100)) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", size, (n * 8 % 256, 0, 0)) for n in range(frames)]
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=50)
    return out.getvalue()


def send(api: Api, *files):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return api.post("/media", data=data, content_type="multipart/form-data")


def stored(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Media)).all())


@pytest.fixture
def owner_and_site(make_user, make_site):
    user = make_user("owner@example.org")
    return user, make_site("acme", owner=user)


@pytest.fixture
def api(app, owner_and_site, make_token):
    user, site = owner_and_site
    return Api(app.test_client(), "acme", make_token(site, user))


def test_the_findings_upload_is_refused_from_its_headers(api, app, flat_webp):
    assert len(flat_webp) < 2000
    twenty = [(f"flat{n}.webp", flat_webp) for n in range(20)]
    response = send(api, *twenty)
    assert response.status_code == 413
    assert "at least 98.0 megapixels together" in response.get_json()["message"]
    two = send(api, ("a.webp", flat_webp), ("b.webp", flat_webp))
    message = two.get_json()["message"]
    assert two.status_code == 413 and "have 98.0 megapixels together; send at most 60.0" in message
    assert stored(app) == 0


def test_files_per_request(api, app):
    app.config["MEDIA_FILES_PER_REQUEST"] = 3
    many = send(api, *[(f"{n}.png", image_bytes(color=(n, 0, 0))) for n in range(4)])
    assert many.status_code == 413 and "at most 3 files" in many.get_json()["message"]
    assert (
        send(api, *[(f"{n}.png", image_bytes(color=(n, 0, 0))) for n in range(3)]).status_code
        == 201
    )
    assert stored(app) == 3


def test_pixels_per_file_count_every_frame(api, app):
    app.config["MEDIA_MAX_PIXELS"] = 200_000  # 100 x 100 x 30 frames = 300,000
    response = send(api, ("moving.gif", animated_gif(30)))
    assert response.status_code == 413
    message = response.get_json()["message"]
    assert (
        "moving.gif has 0.3 megapixels (frames counted)" in message and "0.2 megapixels" in message
    )
    assert send(api, ("still.gif", animated_gif(10))).status_code == 201


def test_each_member_has_an_upload_allowance(app, api, owner_and_site, make_user, make_token):
    app.config["MEDIA_UPLOADS_PER_MEMBER"] = "3 per minute"
    first = send(
        api, ("1.png", image_bytes(color=(1, 0, 0))), ("2.png", image_bytes(color=(2, 0, 0)))
    )
    assert first.status_code == 201
    assert send(api, ("3.png", image_bytes(color=(3, 0, 0)))).status_code == 201
    over = send(api, ("4.png", image_bytes(color=(4, 0, 0))))
    assert over.status_code == 429
    assert "at most 3 files per minute" in over.get_json()["message"]
    # Another member of the same site has an allowance of their own.
    _, site = owner_and_site
    other = Api(
        app.test_client(), "acme", make_token(site, make_user("ed@example.org"), role="editor")
    )
    assert send(other, ("5.png", image_bytes(color=(5, 0, 0)))).status_code == 201
    assert stored(app) == 4


def test_the_pixel_allowance_counts_megapixels(app, api):
    app.config["MEDIA_PIXELS_PER_MEMBER"] = "2 per 10 minutes"
    big = image_bytes(size=(1000, 900))  # 0.9 MP: counts as 1
    assert send(api, ("a.png", big)).status_code == 201
    assert send(api, ("b.png", image_bytes(size=(1000, 800)))).status_code == 201
    over = send(api, ("c.png", image_bytes(size=(1000, 700))))
    assert over.status_code == 429
    assert "at most 2 megapixels per 10 minutes" in over.get_json()["message"]


def test_the_dashboard_shares_the_budgets(app, client, owner_and_site, login, flat_webp):
    user, _ = owner_and_site
    login(client, user, "acme")
    token = csrf_from(client, "/admin/media", "acme")
    data = {"file": [(io.BytesIO(flat_webp), f"{n}.webp") for n in range(3)]}
    response = client.post(
        "/admin/media", data=data, subdomain="acme", content_type="multipart/form-data",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413
    assert "at least 98.0 megapixels together" in response.get_json()["message"]


def test_a_busy_host_answers_503_at_once_and_pdfs_need_no_slot(app, api):
    app.config["MEDIA_DECODE_SLOTS"] = 1
    with app.test_request_context():
        with image_budget.decode_slot():  # another worker is decoding
            busy = send(api, ("photo.png", image_bytes()))
            pdf = send(api, ("doc.pdf", b"%PDF-1.4\n%%EOF\n"))
    assert busy.status_code == 503
    assert "busy with other images" in busy.get_json()["message"]
    assert pdf.status_code == 201
    assert send(api, ("photo.png", image_bytes())).status_code == 201
    assert stored(app) == 2


def test_headers_are_read_without_decoding(flat_webp):
    stream = io.BytesIO(flat_webp)
    assert image_budget.claimed_pixels(stream) == 49_000_000
    assert stream.tell() == 0  # left where it was, for media.prepare to read
    assert image_budget.claimed_pixels(io.BytesIO(b"%PDF-1.4")) == 0
    assert image_budget.claimed_pixels(io.BytesIO(animated_gif(4))) == 40_000


def test_refused_files_count_against_the_allowance(app, api, flat_webp):
    """Reading headers is cheap, not free: a member cannot send refused batches for ever."""
    app.config["MEDIA_UPLOADS_PER_MEMBER"] = "5 per minute"
    batch = [(f"{n}.webp", flat_webp) for n in range(3)]
    assert send(api, *batch).status_code == 413  # 3 files counted
    over = send(api, *batch)  # 6 > 5
    assert over.status_code == 429 and "at most 5 files per minute" in over.get_json()["message"]
    assert send(api, ("ok.png", image_bytes())).status_code == 429
