"""Roles as permission bit masks, and the one decorator every dash view declares its need with.

author  ⊂ editor ⊂ admin ⊂ owner
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user

from ..extensions import db
from ..models import Membership, Role

F = TypeVar("F", bound=Callable[..., Any])


class Permission(enum.IntFlag):
    WRITE = 1  # create pages, edit own drafts
    EDIT_ANY = 2  # edit anyone's pages
    PUBLISH = 4  # publish, unpublish, schedule, trash
    UPLOAD = 8  # upload media
    SETTINGS = 16  # site settings, theme, navigation, domain, export/import, tokens
    MEMBERS = 32  # invite and remove people
    DELETE_SITE = 64  # delete the site, transfer ownership


ROLE_PERMISSIONS: dict[str, Permission] = {
    Role.AUTHOR: Permission.WRITE | Permission.UPLOAD,
    Role.EDITOR: Permission.WRITE | Permission.UPLOAD | Permission.EDIT_ANY | Permission.PUBLISH,
    Role.ADMIN: Permission.WRITE
    | Permission.UPLOAD
    | Permission.EDIT_ANY
    | Permission.PUBLISH
    | Permission.SETTINGS
    | Permission.MEMBERS,
    Role.OWNER: Permission(127),
}
ROLES_BY_RANK = [Role.AUTHOR, Role.EDITOR, Role.ADMIN, Role.OWNER]


def membership_for(user_id: int, site_id: int) -> Membership | None:
    return db.session.scalar(
        db.select(Membership).where(Membership.user_id == user_id, Membership.site_id == site_id)
    )


def current_permissions() -> Permission:
    """What the signed-in user may do on g.site (cached on g for the request)."""
    if "permissions" not in g:
        perms = Permission(0)
        if current_user.is_authenticated and g.get("site") is not None:
            membership = membership_for(current_user.id, g.site.id)
            if membership is not None:
                g.membership = membership
                perms = ROLE_PERMISSIONS.get(membership.role, Permission(0))
        g.permissions = perms
    return g.permissions


def can(permission: Permission) -> bool:
    return permission in current_permissions()


def requires(permission: Permission) -> Callable[[F], F]:
    """Dash views declare what they need. Runs after g.site is loaded and the dash gate has
    made sure someone is signed in; a member without the permission gets 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
