"""Accounts: creating users, checking passwords, confirming addresses, resetting passwords and
the signed tokens that carry a sign-in from the apex to a tenant host."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy.exc import IntegrityError

from ..extensions import bcrypt, db
from ..models import ApiToken, Membership, RecoveryCode, Site, User
from ..models.common import utcnow
from . import jobs
from .mail import deliver_mail, send_mail
from .tokens import BadToken, issue_token, read_token, spend_token

CONFIRM_MAX_AGE = 24 * 3600
RESET_MAX_AGE = 3600
HANDOFF_MAX_AGE = 60
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_BYTES = 72  # bcrypt's limit; bcrypt 5 raises beyond it instead of truncating


class EmailTaken(Exception):
    """Another account already uses this address."""


def normalize_email(raw: str) -> str:
    """The one stored form of an address, for accounts and invitations alike: validated by
    email-validator, internationalised local parts allowed (they need SMTPUTF8 to be mailed),
    the domain in its ASCII (IDNA) form, all lower-cased, so 'Kim@Bücher.de' and
    'kim@xn--bcher-kva.de' are one account. ValueError with a message for people otherwise."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"Enter a valid email address: {error}") from error
    email = f"{result.local_part}@{result.ascii_domain}".lower()
    if len(email) > 254:
        raise ValueError("That email address is too long.")
    return email


def password_error(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN_CHARS:
        return f"Use at least {PASSWORD_MIN_CHARS} characters."
    if len(password.encode("utf-8", "surrogatepass")) > PASSWORD_MAX_BYTES:
        return (
            f"Use at most {PASSWORD_MAX_BYTES} bytes (letters outside A-Z may take 2-4 bytes each)."
        )
    if "\x00" in password:
        return "A password cannot contain a NUL character."
    return None


def find_user(email: str) -> User | None:
    try:
        email = normalize_email(email)
    except ValueError:
        email = email.strip().lower()
    # No stored address is this long or holds a NUL (which PostgreSQL refuses in a query).
    if not email or len(email) > 320 or "\x00" in email:
        return None
    return db.session.scalar(sa.select(User).where(User.email == email))


def _hash(password: str) -> str:
    return bcrypt.generate_password_hash(password).decode("ascii")


def create_user(email: str, password: str) -> User:
    """A new, unconfirmed account; the caller commits. EmailTaken if the address is in use
    (checked by the unique index, so two racing sign-ups cannot both win)."""
    user = User(email=normalize_email(email), password_hash=_hash(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise EmailTaken(email) from error
    return user


@cache
def _dummy_hash(rounds: int) -> str:
    return bcrypt.generate_password_hash("not a real password").decode("ascii")


def _check(password_hash: str, password: str) -> bool:
    try:
        return bcrypt.check_password_hash(password_hash, password)
    except ValueError:  # malformed stored hash, or a password bcrypt refuses
        return False


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None. An unknown email costs one bcrypt
    check too, so the answer takes the same time whether or not the account exists."""
    usable = password.encode("utf-8", "surrogatepass")[:PASSWORD_MAX_BYTES]
    candidate = usable.decode("utf-8", "ignore").replace("\x00", "")
    too_long_or_odd = candidate != password
    user = find_user(email)
    if user is None:
        _check(_dummy_hash(current_app.config["BCRYPT_LOG_ROUNDS"]), candidate)
        return None
    if not _check(user.password_hash, candidate) or too_long_or_odd:
        return None
    return user


def end_sessions(user: User) -> None:
    """Sign the user out on every host: the auth version is part of every session's id."""
    user.auth_version = User.auth_version + 1
    db.session.flush()
    db.session.refresh(user)


def set_password(user: User, password: str) -> None:
    """Change the password and end every existing session; the caller commits."""
    user.password_hash = _hash(password)
    end_sessions(user)


def record_signin(user: User) -> None:
    user.last_signin_at = utcnow()


# Confirmation of the address -------------------------------------------------------------


def confirmation_link(user: User) -> str:
    token = issue_token("confirm", {"u": user.id, "e": user.email})
    return url_for("home.confirm", token=token, _external=True)


def send_confirmation(user: User) -> bool:
    """Mail the confirmation link. False when mail failed (logged); the account stays."""
    link = confirmation_link(user)
    body = (
        "Welcome to sitemaker.\n\n"
        f"Confirm your email address by opening this link within 24 hours:\n\n{link}\n\n"
        "If you did not sign up, ignore this message.\n"
    )
    return send_mail(user.email, "Confirm your email address", body)


def confirm_email(token: str) -> User:
    """Mark the address in the token confirmed (idempotent). BadToken when the link is bad,
    expired, or for an address the account no longer has."""
    data = read_token("confirm", token, CONFIRM_MAX_AGE)
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.email != data.get("e"):
        raise BadToken("This link is not valid.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


# Password reset --------------------------------------------------------------------------


def send_reset(email: str) -> None:
    """Queue the reset mail for whatever address was typed. The job decides whether anyone is
    to be mailed, so the request does the same work, in the same time, for every address."""
    jobs.enqueue(mail_reset_link, email, uuid.uuid4().hex, description="password reset mail")


def mail_reset_link(email: str, key: str) -> None:
    """The job: mail a reset link if the address belongs to an account; otherwise do nothing.
    Unconfirmed accounts get one too: someone may have signed up with another person's
    address, and the link is how its real owner takes the account over (see reset_password)."""
    user = find_user(email)
    if user is None:
        current_app.logger.info("password reset asked for an address with no account")
        return
    token = issue_token("reset", {"u": user.id, "v": user.auth_version}, single_use=True)
    link = url_for("home.reset_password", token=token, _external=True)
    body = (
        "Someone asked to reset the password of your sitemaker account.\n\n"
        f"Choose a new password within an hour with this link (it works once):\n\n{link}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n"
    )
    deliver_mail(user.email, "Reset your password", body, key)


def user_for_reset(token: str) -> tuple[User, dict[str, Any]]:
    """The user a reset link is for, and its payload; BadToken for a bad, expired or
    outdated link (a password change since it was sent makes it outdated)."""
    data = read_token("reset", token, RESET_MAX_AGE)
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.auth_version != data.get("v"):
        raise BadToken("This link is no longer valid.")
    return user, data


def reset_password(token: str, password: str) -> User:
    """Spend the link, set the password, end every session; the caller commits.

    The link arrived at the account's address, which proves the mailbox: an unconfirmed
    account becomes confirmed, and whatever its creator set up besides the password (a
    second factor) is dropped, so a pre-registration of someone else's address is theirs
    to take over."""
    user, data = user_for_reset(token)
    spend_token(data, RESET_MAX_AGE)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    set_password(user, password)
    return user


def delete_user(user: User) -> list[str]:
    """Remove an account for good (operators). Refused, with the sites named, while it is the
    only owner of a site that is not deleted: those need a new owner or deleting first.
    Memberships, tokens and recovery codes go with it; pages keep their text without an
    author. The caller commits."""
    owned_alone = []
    for membership in user.memberships:
        if membership.role != "owner" or membership.site.status == "deleted":
            continue
        owners = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.site_id == membership.site_id, Membership.role == "owner")
        )
        if owners <= 1:
            owned_alone.append(membership.site.subdomain)
    if owned_alone:
        return sorted(owned_alone)
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.delete(user)
    db.session.flush()
    return []


# Sign-in handoff from the apex to a tenant host ------------------------------------------


def issue_handoff(user: User, site: Site, state: str) -> str:
    """A token for a finished sign-in (password and, when on, the second factor: nobody is
    signed in on the apex before both), bound to the `state` the tenant host put in the
    browser's session before sending it here."""
    return issue_token(
        "handoff",
        {"u": user.id, "v": user.auth_version, "s": site.id, "st": state},
        single_use=True,
    )


def redeem_handoff(token: str, site: Site, state: str | None) -> User:
    """Spend a handoff token on the host of `site`; BadToken unless it was issued for this
    site and this browser's `state`, within the last minute, to a user whose sessions have
    not been ended since."""
    data = read_token("handoff", token, HANDOFF_MAX_AGE)
    if data.get("s") != site.id or not isinstance(data.get("u"), int):
        raise BadToken("This sign-in link is for another site.")
    if not state or not isinstance(data.get("st"), str) or data["st"] != state:
        raise BadToken("This sign-in was started in another browser.")
    user = db.session.get(User, data["u"])
    if user is None or user.auth_version != data.get("v"):
        raise BadToken("This sign-in link is no longer valid.")
    spend_token(data, HANDOFF_MAX_AGE)
    return user
