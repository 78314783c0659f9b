"""`flask dev` (what `make run` starts): Werkzeug's development server with the reloader and
the debugger, which ends by printing where to go. Werkzeug's own "Running on
http://127.0.0.1:5000" is left out: the app answers on SERVER_NAME (localhost:5000) and its
subdomains, not on the address the socket is bound to."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import is_running_from_reloader, run_simple

from .demo import DEMO_EMAIL, DEMO_SUBDOMAIN

# Werkzeug's startup lines that the banner replaces (the address, the production warning,
# "Press CTRL+C to quit"); request lines and the debugger PIN still show.
STARTUP_LINES = ("Running on", "This is a development server", "Press CTRL+C to quit")


class WithoutStartupLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(line in message for line in STARTUP_LINES)


def banner(server_name: str) -> str:
    apex = f"http://{server_name}"
    demo = f"http://{DEMO_SUBDOMAIN}.{server_name}"
    return "\n".join([
        "",
        "sitemaker is running (development server; CTRL+C stops it). Open:",
        f"  Home page, sign up:   {apex}/",
        f"  Demo site:            {demo}/",
        f"  Demo dashboard:       {demo}/admin/",
        f"  Sign in to it:        one click at {apex}/dev/ (as {DEMO_EMAIL};",
        "                        its password was printed once by `flask seed`)",
        f"  Mail the app sent:    {apex}/dev/mail",
        f"Use {server_name.partition(':')[0]}, not 127.0.0.1: sites are told apart by host name.",
        "",
    ])  # fmt: skip


def serve(app: Flask, reload: bool = True) -> None:
    """Serve on the loopback address at SERVER_NAME's port and print the banner last."""
    server_name = str(app.config["SERVER_NAME"])
    port = int(server_name.partition(":")[2] or 80)
    logging.getLogger("werkzeug").addFilter(WithoutStartupLines())
    # Wrapped here rather than by run_simple, so the debugger's PIN lines come before the banner.
    application = DebuggedApplication(app, evalex=True) if app.debug else app
    if is_running_from_reloader() or not reload:
        # The process that serves; with the reloader, it is a child that prints on each reload.
        click.echo(banner(server_name))
    run_simple("127.0.0.1", port, application, use_reloader=reload, threaded=True)


@click.command("dev")
@click.option("--reload/--no-reload", default=True, help="Restart when a source file changes.")
@with_appcontext
def dev_command(reload: bool) -> None:
    """Serve the app for development at SERVER_NAME (http://localhost:5000/)."""
    app = current_app._get_current_object()
    # `flask` turns debug off unless FLASK_DEBUG says otherwise; this command is the debug server.
    app.debug = True
    serve(app, reload=reload)
