"""Rate limits per member on the dashboard's expensive actions, in one table.

Each is counted per signed-in user (not per address: one member behind many addresses is
still one member), in the limiter's storage: Redis with REDIS_URL, otherwise the host's shared
storage (services/limits_storage.py), so every worker counts against the same budget. The limit
strings are config keys, read on every request."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .extensions import limiter

# endpoint -> (config key, methods counted, counted only when)
MEMBER_LIMITS = {
    "dash.preview": ("RATELIMIT_PREVIEW", ["POST"], None),
    "dash.import_site": ("RATELIMIT_TRANSFER", ["POST"], None),
    # The export page itself is free; building the zip (?download) is what costs.
    "dash.export": ("RATELIMIT_TRANSFER", ["GET"], lambda: "download" in request.args),
}


def member_key() -> str:
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"address:{get_remote_address()}"


def _limit_for(key: str):
    return lambda: current_app.config[key]


# The limiter keeps decorated limits in a registry of its own, by view name, for the life of
# the process: each view is decorated once, however many apps are made (tests make many).
_decorated: dict[str, Callable] = {}


def init_app(app: Flask) -> None:
    """Wrap the views named in MEMBER_LIMITS (after the divisions are registered). A name that
    no longer exists fails the start, so a renamed view cannot silently lose its limit."""
    for endpoint, (key, methods, counted_when) in MEMBER_LIMITS.items():
        view = app.view_functions[endpoint]
        if endpoint not in _decorated:
            exempt = (lambda when=counted_when: not when()) if counted_when else None
            decorate = limiter.shared_limit(
                _limit_for(key),
                scope=f"member-{key.lower()}",
                key_func=member_key,
                methods=methods,
                exempt_when=exempt,
            )
            _decorated[endpoint] = decorate(view)
        app.view_functions[endpoint] = _decorated[endpoint]
