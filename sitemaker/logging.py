"""Structured logs: one JSON object per line on stderr, with the request and its tenant, so a
log collector can filter one tenant's trouble out of many app servers."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request


class RequestContextFilter(logging.Filter):
    """Adds host, tenant, method and path to records logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.host = record.tenant = record.method = record.path = None
        if has_request_context():
            record.host = request.host
            record.method = request.method
            record.path = request.path
            record.tenant = loaded_subdomain(g.get("site")) or tenant_from_host(request.host)
        return True


def loaded_subdomain(site) -> str | None:
    """The tenant's subdomain only if already in memory: after a rollback (the database went
    away) reading the attribute would query the database again, inside the log call."""
    if site is None:
        return None
    return sa.inspect(site).dict.get("subdomain")


def tenant_from_host(host: str) -> str | None:
    """The subdomain part of a host under SERVER_NAME; None on the apex or a foreign host."""
    server_name = str(current_app.config.get("SERVER_NAME") or "").lower()
    host = host.lower()
    if server_name and host.endswith("." + server_name):
        return host[: -len(server_name) - 1]
    return None


class JsonFormatter(logging.Formatter):
    FIELDS = ("host", "tenant", "method", "path")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    """With LOG_JSON (production), the app's log and the libraries it warns through (the rate
    limiter, the cache) go to stderr as JSON lines. Otherwise Flask's defaults stay."""
    if not app.config.get("LOG_JSON"):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    level = app.config.get("LOG_LEVEL", "INFO")
    for name in (app.logger.name, "flask-limiter", "flask_caching", "sitemaker"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
        logger.disabled = False  # logging.config.fileConfig (Alembic's env.py) disables loggers
