"""Flask-Login wiring: the session id carries the user's auth version, so bumping the version
ends that user's sessions on every host at once."""

from __future__ import annotations

from flask import Flask

from ..extensions import db, login_manager
from ..models import User


def load_user(user_id: str) -> User | None:
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.auth_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "home.signin"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
