"""/healthz for load balancers and uptime checks: 200 while the database answers, else 503."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, limiter

bp = Blueprint("health", __name__)


def redis_status() -> str | None:
    """'ok' or 'down' when REDIS_URL is set. Redis down is degraded, not unhealthy: the cache
    misses and the limiter fails open, so the app keeps serving."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return "ok"
    except redis.RedisError as error:
        current_app.logger.warning("redis unavailable: %s", error)
        return "down"


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("healthz: database unavailable: %s", error.__class__.__name__)
        database = "down"
    body = {"status": "ok" if database == "ok" else "unavailable", "database": database}
    cache = redis_status()
    if cache is not None:
        body["redis"] = cache
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
