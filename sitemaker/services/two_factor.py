"""Two-factor sign-in: time-based codes from an authenticator app (RFC 6238, pyotp) and
one-time recovery codes.

- A secret counts only once the person has typed a code made from it (`enable`).
- A code is accepted once: the time step it matched is stored, and codes from that step or
  an earlier one are refused, so a code seen over someone's shoulder cannot be replayed.
- Recovery codes are random, shown once, stored as SHA-256 and each usable once.
- Turning it on or off ends every other session (the auth version), so every live session
  was made with the factors the account has now: the handoff carries only those.
The callers commit; attempts are rate-limited by the views (home/two_factor.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import RecoveryCode, User
from ..models.common import utcnow
from .accounts import end_sessions

RECOVERY_CODES = 10
# One step either side: phone clocks drift, and a code typed at the end of its 30 s still works.
VALID_WINDOW = 1
_NOT_CODE = re.compile(r"[\s-]+")


def issuer() -> str:
    return str(current_app.config.get("TOTP_ISSUER") or "sitemaker")


def start_setup(user: User) -> str:
    """A fresh secret for the app to learn; not in force until `enable` sees a code from it."""
    if user.has_two_factor:
        raise ValueError("Two-factor sign-in is already on.")
    user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.email, issuer_name=issuer()
    )


def qr_data_uri(user: User) -> str:
    """The setup QR code as an SVG data URI (the apex CSP allows data: images)."""
    return segno.make(provisioning_uri(user), error="m").svg_data_uri(scale=5, border=2)


def _clean(code: str) -> str:
    return _NOT_CODE.sub("", code or "").lower()[:64]


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the window), or None."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    # pyotp reads a naive datetime as local time; the app's times are naive UTC.
    current = totp.timecode(now.replace(tzinfo=UTC) if now.tzinfo is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_totp(user: User, code: str, now: datetime) -> bool:
    step = _matching_step(user.totp_secret or "", code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def enable(user: User, code: str, now: datetime | None = None) -> list[str]:
    """Turn it on when `code` comes from the pending secret; returns the recovery codes to
    show once. ValueError with a message otherwise."""
    if user.has_two_factor:
        raise ValueError("Two-factor sign-in is already on.")
    if not user.totp_secret:
        raise ValueError("Start the setup first.")
    if not _use_totp(user, _clean(code), now or utcnow()):
        raise ValueError("That code does not match. Check the time on your phone and try again.")
    user.totp_enabled_at = now or utcnow()
    codes = new_recovery_codes(user)
    end_sessions(user)
    return codes


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned to be shown once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(6)  # 48 bits each, written as xxxx-xxxx-xxxx
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Spend a recovery code. The UPDATE only matches an unused row, so two requests racing
    with the same code cannot both succeed."""
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def check_code(user: User, code: str, now: datetime | None = None) -> str | None:
    """The second factor: 'totp' or 'recovery' for a good code (spent now), None otherwise."""
    if not user.has_two_factor:
        return None
    cleaned = _clean(code)
    now = now or utcnow()
    if _use_totp(user, cleaned, now):
        return "totp"
    if len(cleaned) == 12 and _use_recovery_code(user, cleaned, now):
        return "recovery"
    return None
