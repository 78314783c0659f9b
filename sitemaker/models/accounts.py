"""People who sign in, and the single-use record of spent tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .sites import Membership


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(128))
    email_confirmed_at: Mapped[datetime | None]
    is_operator: Mapped[bool] = mapped_column(default=False)
    # Part of the session id: bumping it ends every session of this user on every host.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signin_at: Mapped[datetime | None]
    # IANA name (services.timezones); None until the dashboard learns it from the browser.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UsedToken(db.Model):
    """A signed token that has been spent. Inserting its id twice fails, which makes tokens
    single-use across every app process without any per-process state."""

    __tablename__ = "used_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
