"""The API's rate limit: per token, in the limiter's storage (Redis when REDIS_URL is set, so
every app process counts against the same budget)."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address

from ..services.api_tokens import hash_token


def api_limit() -> str:
    return current_app.config.get("RATELIMIT_API") or "300 per minute"


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer <token>`, or None."""
    scheme, _, token = (request.headers.get("Authorization") or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def rate_key() -> str:
    """The limiter runs before the token is checked, so it counts by the token's hash; calls
    without a token count by address."""
    token = bearer_token()
    if token is None:
        return f"api-anonymous:{get_remote_address()}"
    return f"api-token:{hash_token(token)}"
