"""Rate limits on the account forms: per client address and per account (the email typed, or
the signed-in user). The limit strings are read from the config on each request, so a config
file can change them without touching code."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from ..extensions import limiter


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_AUTH_ACCOUNT"]


def _typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:320]


def _account_key() -> str:
    if _typed_email():
        return f"account:{_typed_email()}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return ""


def _no_account() -> bool:
    return not _account_key()


# Only submissions count: showing a form costs nothing to guard.
per_address = limiter.limit(_auth_limit, methods=["POST"])
per_account = limiter.limit(
    _account_limit, key_func=_account_key, methods=["POST"], exempt_when=_no_account
)
