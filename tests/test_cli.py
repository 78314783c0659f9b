"""`flask seed`: the demo tenant and bulk generated sites, idempotently."""

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, Site


def counts(app):
    with app.app_context():
        sites = db.session.scalar(sa.select(sa.func.count()).select_from(Site))
        pages = db.session.scalar(sa.select(sa.func.count()).select_from(Page))
        return sites, pages


def test_seed_demo_is_idempotent(app, runner, client):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "demo: created" in result.output
    first = counts(app)
    result = runner.invoke(args=["seed"])
    assert "demo: already there" in result.output
    assert counts(app) == first
    response = client.get("/", subdomain="demo")
    assert response.status_code == 200
    assert b"This site is served by <strong>sitemaker</strong>" in response.data


def test_seed_generated_sites(app, runner, client):
    result = runner.invoke(args=["seed", "--no-demo", "--sites", "30", "--pages", "3"])
    assert result.exit_code == 0, result.output
    assert "30 sites created" in result.output
    assert counts(app) == (30, 90)
    result = runner.invoke(args=["seed", "--no-demo", "--sites", "35", "--pages", "3"])
    assert "5 sites created, 30 already there" in result.output
    assert counts(app) == (35, 105)
    response = client.get("/page-2", subdomain="site00017")
    assert response.status_code == 200 and b"Page 2" in response.data


def test_seed_rejects_bad_arguments(runner):
    result = runner.invoke(args=["seed", "--sites", "-1"])
    assert result.exit_code == 2
