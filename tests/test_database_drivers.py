"""Which PostgreSQL driver a URL means: postgres:// and postgresql:// are psycopg 3 (the one
requirements.txt installs); postgresql+psycopg2:// is kept as written and works for operators
who install psycopg2-binary themselves (README, "Configuration")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.config import normalize_database_url
from sitemaker.extensions import db
from sitemaker.models import Page


def test_psycopg2_urls_are_kept_as_written():
    url = "postgresql+psycopg2://a:b@h:5432/d"
    assert normalize_database_url(url) == url


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_app_reads_and_writes_through_psycopg2(database_url, make_app):
    url = "postgresql+psycopg2://" + database_url.split("://", 1)[1]
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "demo: created" in result.output
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg2"
        titles = set(db.session.scalars(sa.select(Page.title)))
    assert {"Welcome", "About", "Hello, world"} <= titles
    client = app.test_client()
    home = client.get("/", base_url="http://demo.example.test")
    assert home.status_code == 200 and "Demo Site" in home.get_data(as_text=True)
    about = client.get("/about", base_url="http://demo.example.test").get_data(as_text=True)
    assert "A small example of a tenant site" in about
