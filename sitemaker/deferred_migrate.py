"""Flask-Migrate, bound to the app only when something uses it.

Importing flask_migrate imports Alembic and Mako: about as much CPU as the rest of start-up
together, paid by every gunicorn worker at every (re)start, while only `flask db ...`, the
tests and the screenshot script ever migrate. So create_app() records the settings, and the
first use binds the real extension:
- `app.extensions["migrate"]` is a stand-in whose first attribute read (flask_migrate's
  upgrade(), migrations/env.py) makes the real Migrate, which replaces it;
- `flask db` is a stand-in group whose first use hands its arguments to flask_migrate's own.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask


class DeferredMigrate:
    """Takes the arguments of flask_migrate.Migrate, binds nothing until first use."""

    def __init__(self, **options: Any):
        self.options = options

    def init_app(self, app: Flask, db: Any, directory: str) -> None:
        app.extensions["migrate"] = _Unbound(app, db, directory, self.options)
        app.cli.add_command(_MigrationCommands(app))


def bound(app: Flask) -> Any:
    """app.extensions["migrate"] once Flask-Migrate is bound: the real Migrate's init_app
    replaces both stand-ins on `app`."""
    config = app.extensions["migrate"]
    if isinstance(config, _Unbound):
        from flask_migrate import Migrate

        Migrate(app, config.db, directory=config.directory, **config.options)
    return app.extensions["migrate"]


class _Unbound:
    def __init__(self, app: Flask, db: Any, directory: str, options: dict[str, Any]):
        self.app, self.db, self.directory, self.options = app, db, directory, options

    def __getattr__(self, name: str) -> Any:  # only for names not set in __init__
        return getattr(bound(self.app), name)


class _MigrationCommands(click.Group):
    """`flask db`: click asks a subcommand for its context before running it, so handing
    back flask_migrate's own group's context runs flask_migrate's commands unchanged."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _real(self) -> click.Group:
        bound(self._app)
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name: str | None, args: list[str], parent=None, **extra: Any):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)
