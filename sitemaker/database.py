"""Database connection behaviour: foreign keys on SQLite, and ending a request's session when
the database has just gone away."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from .extensions import db

T = TypeVar("T")


def release_session(error: BaseException | None = None) -> None:
    """Close the request's session before Flask-SQLAlchemy removes it. If the server dropped
    the connection after the response was built (a restart), the closing rollback fails; the
    connection is then discarded instead, so the visitor still gets the response and the pool
    opens a fresh connection next time, rather than the request ending in a bare 500."""
    if not db.session.registry.has():  # the request never touched the database
        return
    session = db.session()
    try:
        session.close()
    except DBAPIError as lost:
        current_app.logger.warning("database connection lost at end of request: %s", lost.orig)
        try:
            session.invalidate()
        except DBAPIError:
            pass


def read_again_if_dropped(read: Callable[[], T]) -> T:
    """Run read-only work. If the pooled connection it got had been dropped by the server (a
    restart since it was last used), SQLAlchemy has invalidated the pool: run it once more, on
    a fresh connection, rather than answer 503. Only for work that writes nothing: running it
    twice must change nothing. Pages answered by the front cache leave pooled connections
    unused for long stretches, which makes a dropped one more likely to be met."""
    try:
        return read()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        db.session.rollback()
        return read()


def enforce_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite ignores foreign keys unless asked on every connection; without this, ON DELETE
    CASCADE (a purged site's pages, a deleted page's revisions) would only hold on PostgreSQL."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_app(app: Flask) -> None:
    if not event.contains(Engine, "connect", enforce_sqlite_foreign_keys):
        event.listen(Engine, "connect", enforce_sqlite_foreign_keys)
    # Teardown functions run in reverse order of registration: this one runs before
    # Flask-SQLAlchemy's own session removal, which init_extensions registered earlier.
    app.teardown_appcontext(release_session)
