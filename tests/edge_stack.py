"""A production-like stack for the edge tests: real gunicorn (production config) behind the
shipped nginx configuration, on a seeded PostgreSQL database with one tenant that has private
content (a draft, a revision, a member, an invitation, a media file, an API token)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sitemaker.extensions import db
from sitemaker.models import ApiToken, Invitation, Media, Membership, Page, PageRevision, Site, User
from sitemaker.services import api_tokens
from sitemaker.services.pages import create_page
from tests import servers
from tests.components import free_port

DOMAIN = "sitemaker.test"
TENANT = f"acme.{DOMAIN}"
SECRET = "Unreleased-draft-7f3a"  # appears only in answers meant for a member
MEDIA_BYTES = b"\x89PNG\r\n\x1a\n" + b"media bytes" * 20
MEDIA_NAME = "cd" * 32 + ".png"


def seed(seed_app, media_root: Path) -> dict:
    with seed_app.app_context():
        site = Site(subdomain="acme", title="Acme Widgets")
        owner = User(email="owner@example.org", password_hash="x", is_operator=True)
        other = User(email="editor@example.org", password_hash="x")
        db.session.add_all([site, owner, other])
        db.session.flush()
        db.session.add_all(
            [
                Membership(site_id=site.id, user_id=owner.id, role="owner"),
                Membership(site_id=site.id, user_id=other.id, role="editor"),
                Invitation(site_id=site.id, email="new@example.org", role="author"),
                Media(site_id=site.id, stored_name=MEDIA_NAME, original_name="dot.png",
                      content_type="image/png", size=len(MEDIA_BYTES), sha256="0" * 64),
            ]
        )  # fmt: skip
        create_page(site, "Home", "Welcome to **Acme**", status="published", is_home=True)
        create_page(site, "About", "About Acme", slug="about", status="published")
        draft = create_page(site, f"Plans {SECRET}", f"Text {SECRET}", slug="plans")
        _, token = api_tokens.create_token(
            site, owner, "edge", ["pages:read", "pages:write", "pages:publish", "media:write"]
        )
        db.session.commit()
        ids = {
            "site": site.id,
            "page": draft.id,
            "revision": db.session.scalar(
                db.select(PageRevision.id).where(PageRevision.page_id == draft.id)
            ),
            "owner": owner.get_id(),
            "token": token,
            "member": db.session.scalar(
                db.select(Membership.id).where(Membership.user_id == other.id)
            ),
            "invitation": db.session.scalar(db.select(Invitation.id)),
            "media": db.session.scalar(db.select(Media.id)),
            "token_id": db.session.scalar(db.select(ApiToken.id)),
        }
        folder = media_root / str(site.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MEDIA_NAME).write_bytes(MEDIA_BYTES)
        assert db.session.get(Page, draft.id).status == "draft"
        return ids


@contextlib.contextmanager
def stack(tmp: Path, workers: int = 2, **env_extra: str) -> Iterator[dict]:
    """Seeded gunicorn behind plain-HTTP nginx; yields ports, ids and the running servers."""
    url = servers.server_database_url()
    seed_app = servers.prepare_database(url)
    ids = seed(seed_app, tmp / "media")
    # Rate limits in a file of this stack's own (the default is shared by every run on the host).
    env = servers.production_env(DOMAIN, url, SITEMAKER_MEDIA_ROOT=str(tmp / "media"),
                                 SITEMAKER_RATELIMIT_FILE=str(tmp / "limits.sqlite"),
                                 **env_extra)  # fmt: skip
    servers.build_assets(env)
    with servers.running(seed_app) as started:
        app = servers.start_gunicorn(env, tmp / "gunicorn", workers=workers)
        started.append(app)
        nginx = servers.start_plain_nginx(
            tmp / "nginx", domain=DOMAIN, upstreams=[app.port], media_root=tmp / "media"
        )
        started.append(nginx)
        yield {"app": app, "nginx": nginx, "port": nginx.port, "seed_app": seed_app, **ids}


class Echo(BaseHTTPRequestHandler):
    """Answers with a counter (so a cached answer shows) and the headers it received; the
    Cache-Control named by ?cc= is sent back."""

    counter = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (http.server's name)
        with Echo.lock:
            Echo.counter += 1
            count = Echo.counter
        query = self.path.partition("?")[2]
        cache_control = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("cc")
        body = json.dumps({"count": count, "headers": {k.lower(): v for k, v in
                                                        self.headers.items()}}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if cache_control:
            self.send_header("Cache-Control", cache_control.replace("+", " "))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def echo_stack(tmp: Path) -> Iterator[int]:
    """The shipped nginx in front of Echo; yields nginx's port."""
    upstream = ThreadingHTTPServer(("127.0.0.1", free_port()), Echo)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    conf = servers.render_nginx(tmp / "nginx", domain=DOMAIN, upstreams=[upstream.server_port],
                                http_port=port, media_root=tmp / "media")  # fmt: skip
    try:
        # Readiness is checked on a static file, which nginx serves without the stub.
        nginx = servers.start_nginx(conf, port, DOMAIN)
        try:
            yield port
        finally:
            nginx.stop()
    finally:
        upstream.shutdown()
        upstream.server_close()
