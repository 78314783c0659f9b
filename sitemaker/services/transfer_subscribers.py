"""Subscribers in the site export (`subscribers.json`) and back, with their confirmation state.

A confirmed address in an import would be mailed posts without its owner ever having agreed
to this site, so the file is signed (HMAC under SECRET_KEY) when exported: only a file this
installation wrote is trusted, and then each address keeps its state (pending stays pending,
unsubscribed stays unsubscribed). A file with a missing or wrong signature (hand-made, edited,
or from another installation) adds no address, and the report says why. Addresses the site
already has are left as they are. Posts an import creates are marked as already mailed: moving
a site must not mail its recent posts to everyone again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import NewsletterSend, Page, Site, Subscriber
from ..models.common import utcnow
from .subscribers import clean_address

NAME = "subscribers.json"
STATES = ("pending", "confirmed", "unsubscribed", "bounced")


def _signature(records: list) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    body = json.dumps(records, sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(key, b"subscribers-export:" + body, hashlib.sha256).hexdigest()


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_entries(site: Site) -> dict[str, bytes]:
    rows = db.session.scalars(
        sa.select(Subscriber).where(Subscriber.site_id == site.id).order_by(Subscriber.email)
    ).all()
    if not rows:
        return {}
    records = [
        {
            "email": r.email,
            "status": r.status,
            "created_at": _when(r.created_at),
            "confirmed_at": _when(r.confirmed_at),
        }
        for r in rows
    ]
    data = {"subscribers": records, "signature": _signature(records)}
    return {NAME: json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode()}


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def mark_imported(site: Site, pages: list[Page]) -> None:
    """Posts an import brings (from sitemaker or another platform) were read elsewhere
    already: they are never mailed to subscribers. The caller commits."""
    now = utcnow()
    for page in pages:
        if page.kind == "post":
            db.session.add(
                NewsletterSend(site_id=site.id, page_id=page.id, status="skipped",
                               message="Imported; not mailed again.", finished_at=now)
            )  # fmt: skip


def import_entries(site: Site, files: dict[str, bytes], pages: list[Page]) -> list[str]:
    """Add the signed file's subscribers to `site`; returns notes for the import report.
    Marks `pages` (just imported) as mailed. The caller commits."""
    mark_imported(site, pages)
    now = utcnow()
    raw = files.get(NAME)
    if raw is None:
        return []
    try:
        data = json.loads(raw.decode("utf-8"))
        records = data["subscribers"]
        signed = isinstance(records, list) and hmac.compare_digest(
            str(data.get("signature", "")), _signature(records)
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        signed = False
    if not signed:
        return [f"{NAME} was not written by this installation's export; no subscriber was added."]
    known = set(
        db.session.scalars(sa.select(Subscriber.email).where(Subscriber.site_id == site.id))
    )
    added = 0
    for record in records:
        try:
            email = clean_address(str(record.get("email", "")))
        except (ValueError, AttributeError):
            continue
        status = record.get("status")
        if email in known or status not in STATES:
            continue
        known.add(email)
        db.session.add(
            Subscriber(
                site_id=site.id,
                email=email,
                status=status,
                created_at=_parse_time(record.get("created_at")) or now,
                confirmed_at=_parse_time(record.get("confirmed_at")),
            )
        )
        added += 1
    return [f"Added {added} subscriber(s), each with the confirmation state it had."]
