"""Configuration loading, in the order DESIGN.md gives:
config/default.py <- config/<name>.py <- instance/config.py <- $APP_CONFIG_FILE <- SITEMAKER_* env."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
ENVIRONMENTS = ("development", "testing", "production")
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class ConfigError(SystemExit):
    """Refuse to start, with one line naming the setting. A SystemExit so that gunicorn and
    `flask` print the message instead of a traceback."""

    def __init__(self, message: str):
        super().__init__(f"sitemaker: configuration error: {message}")


def load_config(app: Flask, config_name: str | None, overrides: dict[str, Any] | None) -> None:
    name = config_name or os.environ.get("SITEMAKER_CONFIG", "development")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"SITEMAKER_CONFIG={name!r} is not one of {', '.join(ENVIRONMENTS)}")
    app.config["ENV_NAME"] = name
    app.config.from_pyfile(str(CONFIG_DIR / "default.py"))
    app.config.from_pyfile(str(CONFIG_DIR / f"{name}.py"))
    if name != "testing":
        app.config.from_pyfile("config.py", silent=True)  # instance/config.py
        if os.environ.get("APP_CONFIG_FILE"):
            app.config.from_envvar("APP_CONFIG_FILE")
        app.config.from_prefixed_env("SITEMAKER")
    app.config.update(overrides or {})
    _derive(app)
    if name == "production":
        check_production(app.config)


def _derive(app: Flask) -> None:
    """Settings that follow from others."""
    config = app.config
    if config.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{Path(app.instance_path) / 'sitemaker.db'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v
            for k, v in config["SQLALCHEMY_ENGINE_OPTIONS"].items()
            if k not in ("pool_size", "max_overflow", "pool_timeout")
        }
    if config.get("REDIS_URL"):
        config.setdefault("CACHE_REDIS_URL", config["REDIS_URL"])
        if config.get("CACHE_TYPE") == "SimpleCache":
            config["CACHE_TYPE"] = "RedisCache"
        if config.get("RATELIMIT_STORAGE_URI") == "memory://":
            config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    config.setdefault("MAIL_OUTBOX", str(Path(app.instance_path) / "outbox"))
    config.setdefault("MEDIA_ROOT", str(Path(app.instance_path) / "media"))
    if config.get("SERVER_NAME"):
        config["SERVER_NAME"] = str(config["SERVER_NAME"]).lower()


def normalize_database_url(uri: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 here, the driver requirements.txt installs."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def check_production(config: dict[str, Any]) -> None:
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise ConfigError("SECRET_KEY is the development default; set SITEMAKER_SECRET_KEY")
    if not config.get("SERVER_NAME"):
        raise ConfigError("SERVER_NAME is not set; set SITEMAKER_SERVER_NAME to the apex domain")
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        raise ConfigError("DATABASE_URL is SQLite; set SITEMAKER_DATABASE_URL to PostgreSQL")
    if config.get("IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS"):
        raise ConfigError(
            "IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS lets imports reach this machine; it is for tests"
        )
