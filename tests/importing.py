"""Helpers for the importer tests: upload a file to the dashboard's Import page and read the
job's outcome (jobs run at the commit in tests), and look at what the site now holds."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import ImportedKey, Page, PageTag, Site
from tests.dash_helpers import csrf_from

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def upload(client, subdomain: str, data: bytes, name: str, **form):
    form["csrf_token"] = csrf_from(client, "/admin/import", subdomain)
    form["file"] = (io.BytesIO(data), name)
    return client.post("/admin/import", data=form, subdomain=subdomain)


def run_import(client, subdomain: str, data: bytes, name: str, **form) -> tuple[str, str]:
    """(status, message): "done"/"failed" and the job's report, or "refused" and the page."""
    response = upload(client, subdomain, data, name, **form)
    if response.status_code != 302:
        return "refused", f"{response.status_code} " + response.data.decode()
    status = client.get(response.headers["Location"] + ".json", subdomain=subdomain).get_json()
    return status["status"], status["message"]


def pages_of(app, subdomain: str) -> dict[str, Page]:
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.subdomain == subdomain))
        pages = db.session.scalars(sa.select(Page).where(Page.site_id == site.id)).all()
        for page in pages:
            db.session.expunge(page)
        return {page.slug: page for page in pages}


def tags_of(app, slug: str, subdomain: str) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(PageTag.name)
                .join(Page, Page.id == PageTag.page_id)
                .join(Site, Site.id == Page.site_id)
                .where(Page.slug == slug, Site.subdomain == subdomain)
            )
        )


def keys_of(app, subdomain: str) -> set[tuple[str, str]]:
    with app.app_context():
        return set(
            db.session.execute(
                sa.select(ImportedKey.kind, ImportedKey.key)
                .join(Site, Site.id == ImportedKey.site_id)
                .where(Site.subdomain == subdomain)
            ).tuples()
        )
