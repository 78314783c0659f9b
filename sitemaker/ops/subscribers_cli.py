"""`flask subscribers send-due` (every minute, from a timer: nginx/README.md) and
`flask subscribers quota SITE N` (a site's daily sending quota; /ops has the same)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import NewsletterSettings, Site
from ..models.common import utcnow
from ..services import newsletter_schedule

subscribers_cli = click.Group("subscribers", help="Readers following sites by email.")


@subscribers_cli.command("send-due")
@with_appcontext
def send_due() -> None:
    """Start mailing every post that has become visible and was never mailed."""
    count = newsletter_schedule.send_due(utcnow())
    db.session.commit()
    click.echo(f"posts queued for mailing: {count}")


def set_quota(site: Site, quota: int | None) -> None:
    settings = db.session.get(NewsletterSettings, site.id)
    if settings is None:
        settings = NewsletterSettings(site_id=site.id)
        db.session.add(settings)
    settings.daily_quota = quota


@subscribers_cli.command("quota")
@click.argument("subdomain")
@click.argument("quota", type=click.IntRange(min=0), required=False)
@with_appcontext
def quota(subdomain: str, quota: int | None) -> None:
    """Set (or, without QUOTA, reset to the default) a site's daily sending quota."""
    site = db.session.scalar(select(Site).where(Site.subdomain == subdomain.lower()))
    if site is None:
        raise click.ClickException(f"no site {subdomain!r}")
    set_quota(site, quota)
    db.session.commit()
    click.echo(f"{site.subdomain}: daily quota {quota if quota is not None else 'default'}")


def init_app(app: Flask) -> None:
    app.cli.add_command(subscribers_cli)
