"""Whole-site export and import as jobs. The dashboard starts one (a Transfer row plus a job)
and watches its row: progress while it runs, then a download link or the reason it failed.

Files live under TRANSFER_ROOT (default: MEDIA_ROOT/transfers, a path every app server and
worker mounts), per site: the uploaded zip until its import has run, the finished exports.
Both jobs are safe to run twice: an import applies its zip and marks its row done in one
transaction, so a second run finds it done; an export simply writes the same file again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Site, Transfer, User
from ..models.common import utcnow
from . import jobs
from . import media as media_service
from .importers import images, import_upload
from .transfer import export_site
from .transfer_import import ImportRefused

PROGRESS_EVERY = 0.25  # seconds between progress writes; a bar needs no more


def root() -> Path:
    configured = current_app.config.get("TRANSFER_ROOT")
    return Path(configured or Path(current_app.config["MEDIA_ROOT"]) / "transfers")


def path_of(transfer: Transfer, name: str) -> Path:
    return root() / str(int(transfer.site_id)) / name


def start_export(site: Site, actor: User | None) -> Transfer:
    """A queued export; its job starts once the caller commits."""
    transfer = Transfer(site_id=site.id, kind="export", created_by_id=actor.id if actor else None)
    db.session.add(transfer)
    db.session.flush()
    jobs.enqueue(run_export, transfer.id, description=f"export of {site.subdomain}")
    return transfer


def start_import(
    site: Site, actor: User | None, data: bytes, on_conflict: str, replace_settings: bool
) -> Transfer:
    """Keep the uploaded zip and queue its import; the caller commits."""
    transfer = Transfer(
        site_id=site.id,
        kind="import",
        created_by_id=actor.id if actor else None,
        options=json.dumps({"on_conflict": on_conflict, "replace_settings": replace_settings}),
        file_name=f"import-{uuid.uuid4().hex}.zip",
    )
    db.session.add(transfer)
    db.session.flush()
    _write(path_of(transfer, transfer.file_name), data)
    jobs.enqueue(run_import, transfer.id, description=f"import into {site.subdomain}")
    return transfer


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_bytes(data)
    part.replace(path)


def _progress_writer(transfer_id: int) -> Callable[[int, int], None]:
    """Progress goes through its own short transactions, so the status page sees it while the
    job's own transaction (an import's writes) is still open."""
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY and done < total:
            return
        last[0] = now
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(Transfer)
                .where(Transfer.id == transfer_id)
                .values(done=done, total=total, updated_at=utcnow())
            )

    return write


def _claim(transfer_id: int, kind: str) -> Transfer | None:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or transfer.kind != kind:
        current_app.logger.info("%s %s is gone; nothing to do", kind, transfer_id)
        return None
    if transfer.status == "done":
        return None  # a re-run after a crash that came after the work was recorded
    transfer.status = "running"
    transfer.message = ""
    db.session.commit()
    return transfer


def _fail(transfer_id: int, message: str) -> None:
    db.session.rollback()
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is not None:
        transfer.status = "failed"
        transfer.message = message
        db.session.commit()


def run_export(transfer_id: int) -> None:
    """The job: write the site's zip and offer it for download."""
    transfer = _claim(transfer_id, "export")
    if transfer is None:
        return
    site = db.session.get(Site, transfer.site_id)
    try:
        data = export_site(site, progress=_progress_writer(transfer_id))
        name = f"{site.subdomain}-{utcnow():%Y%m%d-%H%M%S}-{transfer.id}.zip"
        _write(path_of(transfer, name), data)
    except Exception:
        _fail(transfer_id, "The export failed; it is tried again shortly.")
        raise
    transfer.file_name = name
    transfer.status = "done"
    transfer.done = transfer.total
    transfer.message = f"{len(data):,} bytes"
    db.session.commit()


def run_import(transfer_id: int) -> None:
    """The job: apply the uploaded zip, all or nothing; a refused zip ends with the reason."""
    transfer = _claim(transfer_id, "import")
    if transfer is None:
        return
    upload = path_of(transfer, transfer.file_name or "")
    if not upload.is_file():
        current_app.logger.warning("import %s: its upload is missing", transfer_id)
        _fail(transfer_id, "The uploaded file is no longer there; upload it again.")
        return
    options = json.loads(transfer.options or "{}")
    site = db.session.get(Site, transfer.site_id)
    actor = db.session.get(User, transfer.created_by_id) if transfer.created_by_id else None
    written: list[str] = []
    try:
        report, written, imported = import_upload(
            site,
            upload.read_bytes(),
            actor,
            on_conflict=options.get("on_conflict", "rename"),
            replace_settings=bool(options.get("replace_settings")),
            progress=_progress_writer(transfer_id),
        )
        transfer.status = "done"
        transfer.done = transfer.total = max(transfer.total, 1)
        transfer.message = "\n".join(report.summary())
        images.queue(transfer.id, list(imported.values()))
        db.session.commit()
    except ImportRefused as error:
        current_app.logger.info("import %s refused: %s", transfer_id, error.message)
        _fail(transfer_id, error.message)
    except Exception:
        db.session.rollback()
        media_service.forget_files(transfer.site_id, written)
        _fail(transfer_id, "The import failed; nothing was changed. It is tried again shortly.")
        raise
    upload.unlink(missing_ok=True)


def recent(site: Site, limit: int = 10) -> list[Transfer]:
    return list(
        db.session.scalars(
            sa.select(Transfer)
            .where(Transfer.site_id == site.id)
            .order_by(Transfer.id.desc())
            .limit(limit)
        )
    )
