"""Flask-Login wiring: the session id carries the user's auth version, so bumping the version
ends that user's sessions on every host at once.

A session belongs to the host that issued it. Cookies are host-only, but one SECRET_KEY signs
them all, so without more a cookie copied from the apex (or from one tenant) to another host
would be a valid session there. The cookie's signature therefore includes the host: a cookie
issued for another host fails to verify and the request starts with an empty session. The
"remember me" cookie carries no host either, so it restores a sign-in only on the apex, the
one host that sets it (tenant hosts get their sessions from the handoff only)."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import user_logged_in
from itsdangerous import URLSafeTimedSerializer

from ..extensions import db, login_manager
from ..models import User

# Set by every login_user: a session that has it was signed in on its own host, not restored
# from a remember-me cookie (which Flask-Login writes into the session before loading the user).
SIGNED_IN_HERE = "_signed_in_here"


def _mark_signed_in(_app: Flask, user: User) -> None:
    session[SIGNED_IN_HERE] = True


def session_host() -> str:
    return request.host.lower() if has_request_context() else ""


class HostBoundSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose signature covers the request's host."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self.serializer_for_host(app, session_host())

    def serializer_for_host(self, app: Flask, host: str) -> URLSafeTimedSerializer | None:
        """The serializer of `host`'s sessions (tests and tools mint cookies with it)."""
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            serializer.salt = f"{self.salt}|{host.lower()}".encode()
        return serializer


def load_user(user_id: str) -> User | None:
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    if not session.get(SIGNED_IN_HERE) and not _on_apex():
        return None  # a remember-me cookie, which only the apex issues
    user = db.session.get(User, int(raw_id))
    if user is None or user.auth_version != int(version):
        return None
    return user


def _on_apex() -> bool:
    from .tenancy import is_apex_request

    return is_apex_request()


def init_app(app: Flask) -> None:
    app.session_interface = HostBoundSessionInterface()
    login_manager.user_loader(load_user)
    user_logged_in.connect(_mark_signed_in, app)
    login_manager.login_view = "home.signin"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
