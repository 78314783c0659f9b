"""Personal access tokens for the JSON API: one member on one site, a set of scopes.

The token is shown once, when it is made; only its SHA-256 is stored, so a copy of the
database does not hand out working tokens. A token never grants more than its member's role
on the site at the time of each request (see `permissions_for`): demoting or removing the
member takes the power away at once, without touching the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import ApiToken, Site, User
from ..models.common import utcnow
from .permissions import ROLE_PERMISSIONS, Permission, membership_for

PREFIX = "smk_"
# What each scope is for, and the role permission it additionally needs.
SCOPES: dict[str, tuple[str, Permission]] = {
    "pages:read": ("Read pages, posts and their history", Permission.WRITE),
    "pages:write": ("Create, edit and trash pages and posts", Permission.WRITE),
    "pages:publish": ("Publish and schedule pages and posts", Permission.PUBLISH),
    "media:write": ("Upload images and PDFs", Permission.UPLOAD),
}
SCOPES["stats:read"] = ("Read page-view figures", Permission.PUBLISH)
MAX_NAME = 100
# Writing last_used_at on every request would turn reads into writes; once a minute is enough
# to tell a tenant which tokens are in use.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be made as asked; the message is for the person asking."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def clean_scopes(scopes: list[str] | str) -> list[str]:
    """Known scopes in a fixed order; anything else is an error, not silently dropped."""
    asked = scopes.split() if isinstance(scopes, str) else list(scopes)
    unknown = [s for s in asked if s not in SCOPES]
    if unknown:
        raise TokenError(f"Unknown scope: {', '.join(unknown)}.")
    if not asked:
        raise TokenError("Choose at least one scope.")
    return [s for s in SCOPES if s in asked]


def create_token(
    site: Site, user: User, name: str, scopes: list[str] | str
) -> tuple[ApiToken, str]:
    """Make a token for `user` on `site`. Returns the row and the token itself, which is not
    stored anywhere and cannot be shown again. The caller commits."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("Give the token a name, so you can tell it apart later.")
    if len(name) > MAX_NAME:
        raise TokenError(f"The name is too long (up to {MAX_NAME} characters).")
    chosen = clean_scopes(scopes)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        site_id=site.id,
        user_id=user.id,
        name=name,
        token_hash=hash_token(token),
        scopes=" ".join(chosen),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def verify(site: Site, token: str) -> ApiToken | None:
    """The live token for this site, or None: unknown, revoked, or another site's."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.site_id != site.id:
        return None
    return row


def role_of(row: ApiToken) -> str | None:
    """The token's member's role on its site right now; None once they are no longer a member."""
    membership = membership_for(row.user_id, row.site_id)
    return membership.role if membership is not None else None


def permissions_for(role: str | None) -> Permission:
    return ROLE_PERMISSIONS.get(role, Permission(0)) if role else Permission(0)


def grants(row: ApiToken, scope: str) -> bool:
    return scope in row.scopes.split()


def touch(row: ApiToken) -> bool:
    """Note that the token was used; True when that changed the row."""
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        return True
    return False


def revoke(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def tokens_of(site_id: int, user_id: int) -> list[ApiToken]:
    """A member's tokens on a site, live ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.site_id == site_id, ApiToken.user_id == user_id)
            .order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def token_of(site_id: int, user_id: int, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.site_id == site_id, ApiToken.user_id == user_id
        )
    )


def revoke_all(site_id: int, user_id: int) -> None:
    """Revoke every live token a member has on a site (when they leave it)."""
    db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.site_id == site_id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def site_tokens(site_id: int) -> list[tuple[ApiToken, str | None]]:
    """Every token on a site with its member's email (None once the account is gone), live
    ones first: what an owner reviews."""
    rows = db.session.execute(
        sa.select(ApiToken, User.email)
        .outerjoin(User, User.id == ApiToken.user_id)
        .where(ApiToken.site_id == site_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(row, email) for row, email in rows]


def site_token(site_id: int, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.site_id == site_id)
    )
