"""Operator commands on `flask`: seed (more groups are added by their areas)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from .extensions import db
from .models import Page, Site
from .models.common import utcnow
from .services.markdown import render_markdown
from .services.pages import create_page

DEMO_PAGES = [
    ("Welcome", "welcome", True, "page",
     "This site is served by **sitemaker**. Every page is written in "
     "Markdown and rendered to safe HTML when it is saved.\n\n- Fast pages for visitors\n"
     "- An editor that never loses a word\n- Collaborators with real roles\n"),
    ("About", "about", False, "page",
     "## About\n\nA small example of a tenant site. Sign in and open `/admin` to edit it."),
    ("Colophon", "colophon", False, "page",
     "Built with Flask, SQLAlchemy, markdown-it-py and nh3."),
    ("Hello, world", "hello-world", False, "post",
     "The first post. Posts appear newest first on the front page and in the feed."),
]  # fmt: skip

SEED_BODY = (
    "## {title}\n\nThis is seeded content. It has a list:\n\n"
    "- one\n- two\n- three\n\nAnd a [link](https://example.org/).\n"
)


def seed_demo() -> bool:
    """Create the `demo` tenant once. Returns False when it already exists."""
    if db.session.scalar(sa.select(Site.id).where(Site.subdomain == "demo")):
        return False
    site = Site(subdomain="demo", title="Demo Site", tagline="What a sitemaker site looks like")
    db.session.add(site)
    db.session.flush()
    for title, slug, is_home, kind, body in DEMO_PAGES:
        create_page(site, title, body, slug=slug, kind=kind, status="published", is_home=is_home)
    db.session.commit()
    return True


def seed_sites(count: int, pages: int, prefix: str = "site", batch: int = 1000) -> int:
    """Bulk-create `count` sites named <prefix>00001... with `pages` published pages each.
    Existing ones are left as they are, so running it again is cheap and changes nothing."""
    width = max(5, len(str(count)))
    names = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
    created = 0
    html_cache: dict[int, str] = {}
    with click.progressbar(length=count, label=f"Seeding {count} sites") as bar:
        for start in range(0, count, batch):
            chunk = names[start : start + batch]
            existing = set(
                db.session.scalars(sa.select(Site.subdomain).where(Site.subdomain.in_(chunk)))
            )
            todo = [n for n in chunk if n not in existing]
            if todo:
                now = utcnow()
                db.session.execute(
                    sa.insert(Site),
                    [{"subdomain": n, "title": f"Site {n}", "tagline": "A seeded site",
                      "created_at": now, "updated_at": now} for n in todo],
                )  # fmt: skip
                ids = dict(
                    db.session.execute(
                        sa.select(Site.subdomain, Site.id).where(Site.subdomain.in_(todo))
                    ).all()
                )
                rows = []
                for name in todo:
                    for p in range(1, pages + 1):
                        body = SEED_BODY.format(title=f"Page {p}")
                        if p not in html_cache:
                            html_cache[p] = render_markdown(body)
                        html = html_cache[p]
                        rows.append({
                            "site_id": ids[name], "kind": "page", "slug": f"page-{p}",
                            "title": f"Page {p}", "body": body, "html": html,
                            "status": "published", "is_home": p == 1, "version": 1,
                            "published_at": now, "created_at": now, "updated_at": now,
                        })  # fmt: skip
                if rows:
                    db.session.execute(sa.insert(Page), rows)
                created += len(todo)
                db.session.commit()
            bar.update(len(chunk))
    return created


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option(
        "--sites",
        "count",
        type=click.IntRange(0, 10_000_000),
        default=0,
        help="How many generated sites to ensure exist.",
    )
    @click.option(
        "--pages",
        type=click.IntRange(0, 1000),
        default=5,
        help="Published pages per generated site.",
    )
    @click.option(
        "--prefix", default="site", show_default=True, help="Name prefix of generated sites."
    )
    @click.option("--demo/--no-demo", default=True, help="Also ensure the `demo` tenant exists.")
    @with_appcontext
    def seed(count: int, pages: int, prefix: str, demo: bool) -> None:
        """Create the demo tenant and COUNT generated sites, idempotently."""
        if demo:
            click.echo("demo: created" if seed_demo() else "demo: already there")
            if current_app.config["ENV_NAME"] == "development":
                from .devtools.demo import DEMO_EMAIL, seed_demo_owner

                password = seed_demo_owner()
                db.session.commit()
                if password:  # shown this once; only its hash is kept
                    click.echo(f"demo owner (development only): {DEMO_EMAIL}, password {password}")
        if count:
            made = seed_sites(count, pages, prefix)
            click.echo(f"{made} sites created, {count - made} already there")

    from .ops import cli as ops_cli

    ops_cli.init_app(app)
