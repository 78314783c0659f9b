"""`flask users ...` and `flask sites ...`: what operators do from a shell. Errors print one line
to stderr and exit non-zero, so scripts can rely on the exit code."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from ..extensions import bcrypt, db
from ..models import Media, Page, Site, User
from ..models.common import utcnow
from ..services import audit, site_versions, sites, trash

users_cli = AppGroup("users", help="Manage user accounts.")
sites_cli = AppGroup("sites", help="Manage tenant sites.")


def fail(message: str) -> None:
    raise click.ClickException(message)


def find_site_or_fail(subdomain: str) -> Site:
    site = db.session.scalar(sa.select(Site).where(Site.subdomain == subdomain.strip().lower()))
    if site is None:
        fail(f"no site with subdomain {subdomain!r}")
    return site


def human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"


@users_cli.command("create-operator")
@click.argument("email")
def create_operator(email: str) -> None:
    """Make EMAIL an operator, creating the account (with a random password) when needed."""
    from ..services.accounts import normalize_email

    try:
        email = normalize_email(email)
    except ValueError as error:
        fail(f"invalid email address: {error}")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None and user.is_operator:
        click.echo(f"{email} is already an operator")
        return
    if user is None:
        password = secrets.token_urlsafe(18)
        user = User(
            email=email,
            password_hash=bcrypt.generate_password_hash(password).decode(),
            email_confirmed_at=utcnow(),
            is_operator=True,
        )
        db.session.add(user)
        click.echo(f"created operator {email}; temporary password: {password}")
    else:
        user.is_operator = True
        click.echo(f"{email} is now an operator")
    audit.record("user.operator", f"user:{email}")
    db.session.commit()


@users_cli.command("list")
@click.option("--operators", is_flag=True, help="Only operators.")
def list_users(operators: bool) -> None:
    """List accounts, newest first."""
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if operators:
        query = query.where(User.is_operator)
    rows = db.session.scalars(query).all()
    for user in rows:
        flags = ",".join(
            f for f, on in (("operator", user.is_operator), ("unconfirmed", not user.is_confirmed))
            if on
        )  # fmt: skip
        click.echo(f"{user.email}\t{user.created_at:%Y-%m-%d}\t{flags or '-'}")
    click.echo(f"{len(rows)} users", err=True)


@users_cli.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(email: str, yes: bool) -> None:
    """Delete the account EMAIL for good (e.g. someone else's address, never confirmed)."""
    from ..services import accounts

    user = accounts.find_user(email)
    if user is None:
        fail(f"no account with email {email.strip()!r}")
    if not yes:
        click.confirm(f"Delete the account {user.email} for good?", abort=True)
    address = user.email
    blocking = accounts.delete_user(user)
    if blocking:
        fail(
            f"{address} is the only owner of {', '.join(blocking)}: "
            "transfer ownership or delete those sites first"
        )
    audit.record("user.delete", f"user:{address}")
    db.session.commit()
    click.echo(f"deleted the account {address}")


@sites_cli.command("list")
@click.option("--status", type=click.Choice(["active", "suspended", "deleted"]))
def list_sites(status: str | None) -> None:
    """List sites with status and storage, newest first."""
    query = (
        sa.select(Site, sa.func.coalesce(sa.func.sum(Media.size), 0))
        .outerjoin(Media, Media.site_id == Site.id)
        .group_by(Site.id)
        .order_by(Site.created_at.desc(), Site.id.desc())
    )
    if status:
        query = query.where(Site.status == status)
    rows = db.session.execute(query).all()
    for site, used in rows:
        reason = f"\t{site.status_reason}" if site.status_reason else ""
        click.echo(f"{site.subdomain}\t{site.status}\t{human_bytes(int(used))}{reason}")
    click.echo(f"{len(rows)} sites", err=True)


@sites_cli.command("suspend")
@click.argument("subdomain")
@click.option("--reason", required=True, help="Shown to the site's visitors.")
def suspend_site(subdomain: str, reason: str) -> None:
    """Take SUBDOMAIN offline; visitors see 410 with the reason."""
    reason = reason.strip()
    if not reason:
        fail("--reason must not be empty")
    if len(reason) > 500:
        fail("--reason is longer than 500 characters")
    site = find_site_or_fail(subdomain)
    if site.status == "deleted":
        fail(f"{site.subdomain} is deleted; it cannot be suspended")
    sites.suspend(site, reason)
    audit.record("site.suspend", f"site:{site.subdomain}", reason)
    db.session.commit()
    click.echo(f"{site.subdomain} suspended: {reason}")


@sites_cli.command("unsuspend")
@click.argument("subdomain")
def unsuspend_site(subdomain: str) -> None:
    """Bring a suspended SUBDOMAIN back online."""
    site = find_site_or_fail(subdomain)
    if site.status != "suspended":
        fail(f"{site.subdomain} is {site.status}, not suspended")
    sites.unsuspend(site)
    audit.record("site.unsuspend", f"site:{site.subdomain}")
    db.session.commit()
    click.echo(f"{site.subdomain} is active again")


@sites_cli.command("delete")
@click.argument("subdomain")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_site(subdomain: str, yes: bool) -> None:
    """Mark SUBDOMAIN deleted (restorable until the grace period ends; then `sites purge`)."""
    site = find_site_or_fail(subdomain)
    if site.status == "deleted":
        fail(f"{site.subdomain} is already deleted")
    if not yes:
        click.confirm(f"Delete {site.subdomain}?", abort=True)
    sites.mark_deleted(site)
    audit.record("site.delete", f"site:{site.subdomain}")
    db.session.commit()
    click.echo(f"{site.subdomain} deleted; purged after the grace period")


@sites_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list what would be purged.")
def purge_sites(dry_run: bool) -> None:
    """Remove, for good, sites deleted more than DELETED_SITE_GRACE_DAYS ago."""
    expired = sites.expired_deleted_sites()
    for site in expired:
        click.echo(f"{'would purge' if dry_run else 'purged'} {site.subdomain}")
        if not dry_run:
            audit.record("site.purge", f"site:{site.subdomain}")
            sites.purge(site)
            db.session.commit()
    click.echo(f"{len(expired)} sites {'to purge' if dry_run else 'purged'}")


@sites_cli.command("purge-trash")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def purge_trash(dry_run: bool) -> None:
    """Remove, for good, pages that have been in a trash longer than TRASH_DAYS (the dashboard
    does it too, but only for sites whose trash someone opens)."""
    counts = db.session.execute(
        sa.select(Site.subdomain, Page.site_id, sa.func.count())
        .join(Site, Site.id == Page.site_id)
        .where(Page.deleted_at < trash.expiry_cutoff())
        .group_by(Site.subdomain, Page.site_id)
        .order_by(Site.subdomain)
    ).all()
    total = 0
    for subdomain, site_id, count in counts:
        if not dry_run:
            count = trash.purge_expired(site_id)
            db.session.commit()
        total += count
        click.echo(f"{subdomain}: {count} {'would be removed' if dry_run else 'removed'}")
    click.echo(f"{total} trashed pages {'to remove' if dry_run else 'removed'}")


@sites_cli.command("refresh")
def refresh_sites() -> None:
    """Make every app process on every server re-read all sites and pages, after changes made
    outside sitemaker (SQL typed into psql, a restored backup)."""
    site_versions.bump_everything()
    click.echo("every site's pages will be read afresh on their next request")


@sites_cli.command("stats")
def stats() -> None:
    """Counts of sites by status, users, pages and stored media."""
    by_status = dict(
        db.session.execute(sa.select(Site.status, sa.func.count()).group_by(Site.status)).all()
    )
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    pages = db.session.scalar(sa.select(sa.func.count()).select_from(Page))
    files, used = db.session.execute(
        sa.select(sa.func.count(Media.id), sa.func.coalesce(sa.func.sum(Media.size), 0))
    ).one()
    for status in ("active", "suspended", "deleted"):
        click.echo(f"sites {status}: {by_status.get(status, 0)}")
    click.echo(f"users: {users}")
    click.echo(f"pages: {pages}")
    click.echo(f"media files: {files} ({human_bytes(int(used))})")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(sites_cli)
    from . import jobs_cli

    jobs_cli.init_app(app)
    from . import subscribers_cli

    subscribers_cli.init_app(app)
