"""Configuration order and production's refusal to start on unsafe settings."""

import pytest

from sitemaker import create_app
from sitemaker.config import ConfigError, normalize_database_url
from sitemaker.front_cache import FrontCache

PG = "postgresql://u@127.0.0.1/db"


def production(monkeypatch, **env):
    for key in (
        "SITEMAKER_SECRET_KEY",
        "SITEMAKER_SERVER_NAME",
        "SITEMAKER_DATABASE_URL",
        "APP_CONFIG_FILE",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app("production")


def test_production_refuses_default_secret_key(monkeypatch):
    with pytest.raises(ConfigError) as info:
        production(monkeypatch, SITEMAKER_SERVER_NAME="example.com", SITEMAKER_DATABASE_URL=PG)
    assert "SECRET_KEY" in str(info.value.code)
    assert "\n" not in str(info.value.code)


def test_production_refuses_missing_server_name(monkeypatch):
    with pytest.raises(ConfigError) as info:
        production(monkeypatch, SITEMAKER_SECRET_KEY="s" * 40, SITEMAKER_DATABASE_URL=PG)
    assert "SERVER_NAME" in str(info.value.code)


def test_production_refuses_sqlite(monkeypatch):
    with pytest.raises(ConfigError) as info:
        production(monkeypatch, SITEMAKER_SECRET_KEY="s" * 40, SITEMAKER_SERVER_NAME="example.com")
    assert "DATABASE_URL" in str(info.value.code)


def test_production_starts_with_the_three_settings(monkeypatch):
    app = production(
        monkeypatch,
        SITEMAKER_SECRET_KEY="s" * 40,
        SITEMAKER_SERVER_NAME="Example.COM",
        SITEMAKER_DATABASE_URL=PG,
    )
    assert app.config["SERVER_NAME"] == "example.com"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_DOMAIN"] is None  # host-only cookies
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert isinstance(app.wsgi_app.app, FrontCache)  # inside ProxyFix: keyed on the real host


def test_app_config_file_overrides_environment_file(monkeypatch, tmp_path):
    extra = tmp_path / "extra.py"
    extra.write_text("SITE_MAX_PAGES = 7\nSERVER_NAME = 'from-file.test'\n")
    monkeypatch.setenv("APP_CONFIG_FILE", str(extra))
    monkeypatch.setenv("SITEMAKER_SERVER_NAME", "from-env.test")
    app = create_app("development")
    assert app.config["SITE_MAX_PAGES"] == 7
    assert app.config["SERVER_NAME"] == "from-env.test"  # environment wins over files


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError):
        create_app("staging")


def test_development_defaults_need_nothing_installed(monkeypatch):
    monkeypatch.delenv("SITEMAKER_DATABASE_URL", raising=False)
    monkeypatch.delenv("APP_CONFIG_FILE", raising=False)
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    # Rate limits are counted in a file every process on the host shares, next to the database.
    assert app.config["RATELIMIT_STORAGE_URI"] == (
        "sitemaker-sqlite://"
        + app.config["SQLALCHEMY_DATABASE_URI"].split(":///", 1)[1]
        + "-limits"
    )
    # Template and theme edits show on the next reload: no rendered page is kept.
    assert app.config["CACHE_TYPE"] == "NullCache"
    assert not isinstance(app.wsgi_app, FrontCache)


def test_redis_url_moves_cache_and_limits_to_redis():
    app = create_app("testing", {"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalize_database_url(given) == expected
