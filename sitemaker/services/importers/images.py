"""After an import commits, a job fetches the images its pages show from the old site,
stores them through the media service (same checks, quota, EXIF stripping) and points the
text at the new copies. An image that fails keeps its old address and is named in the
import's report."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import Page, Site, Transfer
from .. import media as media_service
from ..markdown import render_markdown
from .fetcher import FetchRefused, fetch

REMOTE_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^)\s>]+|__GHOST_URL__[^)\s>]*)")


def remote_images(body: str) -> list[str]:
    return list(dict.fromkeys(REMOTE_IMAGE.findall(body)))


def queue(transfer_id: int, pages: list[Page]) -> None:
    """Queue the fetch for the pages that show remote images; runs after the commit."""
    from .. import jobs

    ids = [page.id for page in pages if remote_images(page.body)]
    if ids:
        jobs.enqueue(fetch_images, transfer_id, ids, description=f"images of import {transfer_id}")


def _fetch_one(url: str, site: Site) -> str:
    """The new /media/ address, or FetchRefused."""
    if url.startswith("__GHOST_URL__"):
        raise FetchRefused("Ghost's export does not say the old site's address")
    if url.startswith("//"):
        url = "https:" + url
    config = current_app.config
    data, _ = fetch(
        url,
        max_bytes=int(config["MEDIA_MAX_FILE_BYTES"]),
        timeout=float(config.get("IMPORT_FETCH_SECONDS", 15)),
        resolver=config.get("IMPORT_FETCH_RESOLVER"),
        allow_loopback=config.get("IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS"),
    )
    try:
        prepared = media_service.prepare(url.rsplit("/", 1)[-1].split("?")[0], data)
        if not prepared.content_type.startswith("image/"):
            raise FetchRefused("it is not an image")
        rows, _ = media_service.store_all(site, [prepared], None)
    except media_service.UploadError as error:
        raise FetchRefused(error.message) from None
    db.session.commit()  # each stored image is kept, whatever happens to the next
    return f"/media/{rows[0].stored_name}"


def fetch_images(transfer_id: int, page_ids: list[int]) -> None:
    """The job. Idempotent: a page already pointing at its copies has nothing left to fetch."""
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        return
    site = db.session.get(Site, transfer.site_id)
    most = int(current_app.config.get("IMPORT_MAX_REMOTE_IMAGES", 2000))
    new: dict[str, str] = {}
    failed: dict[str, str] = {}
    pages = db.session.scalars(
        sa.select(Page).where(Page.site_id == site.id, Page.id.in_(page_ids))
    ).all()
    for url in dict.fromkeys(u for page in pages for u in remote_images(page.body)):
        if len(new) + len(failed) >= most:
            failed[url] = f"more than {most} images in one import"
            continue
        try:
            new[url] = _fetch_one(url, site)
        except FetchRefused as error:
            db.session.rollback()
            failed[url] = str(error)
    for page in db.session.scalars(
        sa.select(Page).where(Page.site_id == site.id, Page.id.in_(page_ids))
    ):
        body = page.body
        for old, address in new.items():
            body = body.replace(f"]({old}", f"]({address}").replace(f"](<{old}>", f"]({address}")
        if body != page.body:
            page.body, page.html = body, render_markdown(body)
            page.version += 1  # an editor open on the old text must reload, not overwrite
    lines = [f"Images from the old site: {len(new)} copied, {len(failed)} failed."]
    lines += [f"Image {url[:200]} kept its old address: {why}" for url, why in failed.items()]
    transfer = db.session.get(Transfer, transfer_id)
    transfer.message = (transfer.message + "\n" + "\n".join(lines)).strip()
    site.bump_content_version()
    db.session.commit()
