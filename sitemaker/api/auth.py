"""The API's door: a bearer token of this site, checked on every request against the member's
current role. Sessions play no part: nothing here reads or writes flask.session or asks
Flask-Login for a user, so a cookie sent along grants nothing and no answer sets one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from ..extensions import db
from ..models import User
from ..services import api_tokens
from ..services.permissions import Permission, can
from . import bp
from .errors import ApiError, unauthorized
from .limits import bearer_token

F = TypeVar("F", bound=Callable[..., Any])
# The description of the API is public: tools need it before they have a token.
OPEN_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def authenticate():
    if request.endpoint in OPEN_ENDPOINTS:
        return
    token = bearer_token()
    if token is None:
        raise unauthorized("Send a token in the Authorization header: 'Bearer <token>'.")
    row = api_tokens.verify(g.site, token)
    if row is None:
        raise unauthorized("This token is not valid for this site, or has been revoked.")
    user = db.session.get(User, row.user_id)
    if user is None:
        raise unauthorized("This token's account no longer exists.")
    g.api_token = row
    g.api_user = user
    g.api_role = api_tokens.role_of(row)
    # services.permissions.can() reads this: the member's role on this site, now.
    g.permissions = api_tokens.permissions_for(g.api_role)
    if not g.permissions:
        raise ApiError(403, "The token's owner is no longer a member of this site.")
    if api_tokens.touch(row):
        db.session.commit()


def requires(scope: str, permission: Permission | None = None) -> Callable[[F], F]:
    """A view needs the token to carry `scope` and its member's role to allow what the scope
    is for (and `permission`, when the view needs more than that)."""
    needed = api_tokens.SCOPES[scope][1] | (permission or Permission(0))

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require_scope(scope)
            if not can(needed):
                raise ApiError(403, "Your role on this site does not allow this.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_scope(scope: str) -> None:
    if not api_tokens.grants(g.api_token, scope):
        raise ApiError(403, f"This token lacks the '{scope}' scope.", error="insufficient_scope")


def user_id() -> int:
    return g.api_user.id
