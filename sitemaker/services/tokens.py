"""Signed, expiring, optionally single-use tokens (itsdangerous) for links in mail and the
sign-in handoff between hosts."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import UsedToken
from ..models.common import utcnow


class BadToken(Exception):
    """Tampered, expired, for another purpose, or already used."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"sitemaker.{purpose}")


def issue_token(purpose: str, payload: dict[str, Any], *, single_use: bool = False) -> str:
    data = dict(payload)
    if single_use:
        data["jti"] = secrets.token_hex(16)
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a valid token; BadToken otherwise. Does not spend it."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadToken("This link has expired.") from error
    except (BadSignature, UnicodeError, ValueError) as error:
        raise BadToken("This link is not valid.") from error
    if not isinstance(data, dict):
        raise BadToken("This link is not valid.")
    return data


def spend_token(data: dict[str, Any], max_age: int) -> None:
    """Mark a single-use token as used, in the caller's transaction; BadToken if it already was.
    A unique primary key makes this safe across processes and concurrent requests."""
    jti = data.get("jti")
    if not isinstance(jti, str):
        raise BadToken("This link is not valid.")
    db.session.add(UsedToken(jti=jti, expires_at=utcnow() + timedelta(seconds=max_age)))
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise BadToken("This link has already been used.") from error
