"""Development tools, on the apex under /dev: the mailbox (what the app "sent"), one-click
sign-in as the demo owner, the redirect of 127.0.0.1 and other foreign hosts to localhost,
and `flask dev`, the server `make run` starts.

None of it exists unless the configuration is `development`: the factory calls init_app only
then, so in production /dev/... is a 404 and `flask dev` an unknown command."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "devtools",
    __name__,
    url_prefix="/dev",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from . import demo, hosts, mailbox  # noqa: E402,F401


def init_app(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "development":  # a second lock behind the factory's
        raise RuntimeError("sitemaker.devtools is for SITEMAKER_CONFIG=development only")
    app.register_blueprint(bp)
    from .server import dev_command

    app.cli.add_command(dev_command)
