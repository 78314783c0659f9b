"""The production configuration: the settings nginx relies on, and structured log lines."""

import json

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from sitemaker import create_app
from sitemaker.config import ConfigError

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name in ("SITEMAKER_SERVER_NAME", "SITEMAKER_DATABASE_URL", "APP_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)

    def build(**overrides):
        config = {"SECRET_KEY": "s" * 40, "SERVER_NAME": "Example.COM",
                  "SQLALCHEMY_DATABASE_URI": UNREACHABLE, "MEDIA_ROOT": str(tmp_path)}  # fmt: skip
        config.update(overrides)
        return create_app("production", config)

    return build


def test_production_settings(production):
    app = production()
    config = app.config
    assert config["SERVER_NAME"] == "example.com"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_DOMAIN"] is None
    assert config["PREFERRED_URL_SCHEME"] == "https"
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 1
    engine = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert engine["pool_pre_ping"] is False  # a round trip per request; see config/production.py
    assert engine["pool_size"] + engine["max_overflow"] == 15 and engine["pool_timeout"] == 5
    assert config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024  # = nginx client_max_body_size 16m
    assert config["MEDIA_ACCEL_REDIRECT"] == "/_media/"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": "dev-insecure-change-me"}, "SECRET_KEY"),
        ({"SERVER_NAME": ""}, "SERVER_NAME"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(production, overrides, message):
    with pytest.raises(ConfigError, match=message):
        production(**overrides)


def test_nginx_body_limit_matches_the_app():
    from tests.servers import NGINX_DIR

    assert "client_max_body_size 16m;" in (NGINX_DIR / "sitemaker-common.conf").read_text()


def test_log_lines_are_json_with_the_tenant(production, capsys):
    app = production()
    client = app.test_client()
    response = client.get("/about", base_url="https://acme.example.com")
    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.data
    health = client.get("/healthz", base_url="https://example.com")
    assert health.status_code == 503 and health.get_json()["database"] == "down"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    down = [entry for entry in lines if entry["message"].startswith("database unavailable")]
    assert down and down[0]["tenant"] == "acme" and down[0]["level"] == "ERROR"
    assert down[0]["host"] == "acme.example.com" and down[0]["path"] == "/about"
    apex = [entry for entry in lines if entry["message"].startswith("healthz:")]
    assert apex and "tenant" not in apex[0] and apex[0]["path"] == "/healthz"
