"""Where media bytes live. One small interface; a local directory now (a path every app server
mounts), an object store later behind the same four functions."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
from werkzeug.security import safe_join


def _site_dir(site_id: int) -> Path:
    return Path(current_app.config["MEDIA_ROOT"]) / str(int(site_id))


def path_for(site_id: int, name: str) -> Path | None:
    """The file for a stored name, or None when the name would leave the site's folder."""
    joined = safe_join(str(_site_dir(site_id)), name)
    return Path(joined) if joined else None


def save(site_id: int, name: str, data: bytes) -> None:
    path = path_for(site_id, name)
    if path is None:
        raise ValueError(f"unsafe media name {name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a visitor never sees half a file


def read(site_id: int, name: str) -> bytes | None:
    path = path_for(site_id, name)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def delete(site_id: int, name: str) -> None:
    path = path_for(site_id, name)
    if path is not None:
        path.unlink(missing_ok=True)


def delete_site(site_id: int) -> None:
    shutil.rmtree(_site_dir(site_id), ignore_errors=True)
