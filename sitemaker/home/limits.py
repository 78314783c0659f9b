"""Rate limits on the account forms: per client address and per account (the email typed, or
the signed-in user). The limit strings are read from the config on each request, so a config
file can change them without touching code.

Sign-in is throttled so that nobody can lock the owner out by failing on purpose:
- failures are counted per (account, client address) pair, so an attacker's failures hold
  back only the attacker's address;
- an account-wide slowdown (RATELIMIT_SIGNIN_UNKNOWN) counts failures from browsers that have
  never signed in to that account; a browser that has keeps a signed device cookie and is
  never slowed down, however many failures others cause (OWASP's "device cookies").
Only failed attempts count: a successful sign-in (a redirect) costs nothing."""

from __future__ import annotations

import hashlib

from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from ..extensions import limiter

DEVICE_COOKIE = "sitemaker_device"
# Where a sign-in waiting for its second factor is kept (home/two_factor.py).
PENDING = "two_factor_pending"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_AUTH_ACCOUNT"]


def _unknown_device_limit() -> str:
    return current_app.config.get("RATELIMIT_SIGNIN_UNKNOWN", "20 per minute;100 per hour")


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


def _pair_key() -> str:
    return f"signin:{_typed_email()}|{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code != 302


# Devices that have signed in ------------------------------------------------------------


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sitemaker.device")


def _account_mark(email: str) -> str:
    # A digest, not the address: the cookie is signed, not encrypted.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def remember_device(response, email: str) -> None:
    """Mark this browser as one that signed in to `email` (kept with up to 4 others)."""
    mark = _account_mark(email)
    known = [e for e in known_devices() if e != mark][:4]
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps([mark, *known]),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )


def known_devices() -> list[str]:
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw or len(raw) > 4096:
        return []
    try:
        value = _devices().loads(raw, max_age=DEVICE_MAX_AGE)
    except (BadData, UnicodeError, ValueError):
        return []
    return [e for e in value if isinstance(e, str)] if isinstance(value, list) else []


def _known_device_or_no_account() -> bool:
    return not _typed_email() or _account_mark(_typed_email()) in known_devices()


# Only submissions count: showing a form costs nothing to guard.
per_address = limiter.limit(_auth_limit, methods=["POST"])
per_account = limiter.limit(
    _account_limit, key_func=_account_key, methods=["POST"], exempt_when=_no_account
)
signin_per_pair = limiter.limit(
    _account_limit,
    key_func=_pair_key,
    methods=["POST"],
    exempt_when=lambda: not _typed_email(),
    deduct_when=_failed,
)
signin_slowdown = limiter.limit(
    _unknown_device_limit,
    key_func=lambda: f"signin-unknown:{_typed_email()}",
    methods=["POST"],
    exempt_when=_known_device_or_no_account,
    deduct_when=_failed,
)
# Second-factor codes: per pending account (only someone who knew the password gets there).
code_attempts = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_TWO_FACTOR", "5 per minute;20 per hour"),
    key_func=lambda: f"2fa:{(session.get(PENDING) or {}).get('u')}",
    methods=["POST"],
    deduct_when=_failed,
)
# The same budget for codes typed by someone signed in (turning it on or off, new codes).
code_attempts_signed_in = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_TWO_FACTOR", "5 per minute;20 per hour"),
    key_func=lambda: f"2fa:{current_user.get_id()}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 400,
)
