"""Flask's own floor: the smallest Flask app that answers every request with the very bytes of
a real tenant page, held in memory. Started under the same gunicorn settings as the real app,
its requests/s is what the visitor path is measured against.

BENCH_FLOOR_DIR names a directory with page.body + page.type (and optionally admin.body +
admin.type, answered under /admin/), written by the harness from the running app's responses."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request


def _load(directory: Path, name: str) -> tuple[bytes, str] | None:
    body = directory / f"{name}.body"
    if not body.is_file():
        return None
    kind = directory / f"{name}.type"
    return body.read_bytes(), (kind.read_text().strip() if kind.is_file() else "text/html")


def create_floor(directory: str | os.PathLike[str]) -> Flask:
    folder = Path(directory)
    page = _load(folder, "page")
    if page is None:
        raise SystemExit(f"bench floor: {folder}/page.body is missing")
    admin = _load(folder, "admin") or page
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def anything(path: str) -> Response:
        body, content_type = admin if request.path.startswith("/admin") else page
        return Response(body, content_type=content_type)

    return app


def __getattr__(name: str):
    # `gunicorn bench.floor:app` builds the app on first access, not on import, so importing
    # this module (tests, the harness) needs no environment.
    if name == "app":
        return create_floor(os.environ["BENCH_FLOOR_DIR"])
    raise AttributeError(name)
