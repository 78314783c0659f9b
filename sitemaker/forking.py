"""What an app built before a fork must not share with the processes forked from it.

gunicorn's preload_app builds the app once in the master and forks the workers from it
(gunicorn.conf.py), so a worker starts, and restarts, without importing anything. Each worker
then calls after_fork() (gunicorn's post_fork hook) before its first request:
- SQLAlchemy's pool: connections the master opened would be one socket written by several
  processes; dispose(close=False) forgets them in the child and leaves them to the master;
- the site-version board: its own file descriptor and mapping (shared memory), or its own
  Redis connections and change subscription (Redis);
- the front cache: empty, with a lock of its own (a lock copied while held stays held).
Other Redis clients (the page cache, rate limits) are redis-py pools, which notice the new
process id themselves and open new connections.
"""

from __future__ import annotations

from flask import Flask

from . import analytics
from .extensions import db
from .front_cache import FrontCache
from .services import site_versions


def after_fork(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    site_versions.board(app).after_fork()
    layer = app.wsgi_app
    while layer is not None:  # ProxyFix and the front cache each keep the next layer as .app
        if isinstance(layer, FrontCache):
            layer.after_fork()
        layer = getattr(layer, "app", None)
    analytics.after_fork(app)  # an empty tally; the flush thread starts with the first view
