"""Seeing the SQL a request runs: every statement the app's engine executes inside a block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from sitemaker.extensions import db


@contextmanager
def on_each_statement(app: Flask, seen: Callable[[str, object], None]) -> Iterator[None]:
    """Calls seen(statement, parameters) for each statement the app runs inside the block."""
    with app.app_context():
        engine = db.engine

    def executed(conn, cursor, statement, parameters, *args):
        seen(statement, parameters)

    sa.event.listen(engine, "before_cursor_execute", executed)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", executed)
