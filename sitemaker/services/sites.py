"""A site's life: create, suspend, unsuspend, delete (reversible for a grace period), purge."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Membership, Role, Site, User
from ..models.common import utcnow
from . import storage


def create_site(owner: User, subdomain: str, title: str) -> Site:
    """The caller validated the subdomain (services.subdomains) and commits."""
    site = Site(subdomain=subdomain.lower(), title=title)
    db.session.add(site)
    db.session.flush()
    db.session.add(Membership(site_id=site.id, user_id=owner.id, role=Role.OWNER))
    return site


def suspend(site: Site, reason: str) -> None:
    site.status = "suspended"
    site.status_reason = reason
    site.bump_content_version()


def unsuspend(site: Site) -> None:
    site.status = "active"
    site.status_reason = ""
    site.bump_content_version()


def mark_deleted(site: Site) -> None:
    """Visitors get 410; the subdomain stays taken until purge_expired() runs after the grace."""
    site.status = "deleted"
    site.deleted_at = utcnow()
    site.bump_content_version()


def purge(site: Site) -> None:
    """Remove the site, its content (cascades) and its media files, for good."""
    site_id = site.id
    db.session.delete(site)
    db.session.flush()
    storage.delete_site(site_id)


def expired_deleted_sites() -> list[Site]:
    grace = timedelta(days=current_app.config["DELETED_SITE_GRACE_DAYS"])
    return list(
        db.session.scalars(
            sa.select(Site).where(Site.status == "deleted", Site.deleted_at < utcnow() - grace)
        )
    )
