"""Page-view counting wired into the two places visitor pages are served: the front cache
(a hit never reaches Flask) and Flask's own visitor views (everything else). Counts stay in
this process (services/analytics_count.py) and a flush thread writes them to the database
in one batch every ANALYTICS_FLUSH_SECONDS (services/analytics_store.py).

Why a thread per process and not Redis: the tally is a few dict operations per view, and the
flush already turns thousands of views into one transaction; sending every view to Redis
would add a round trip to the visitor path, and with Redis down counting must go on anyway.
Counts a process holds when it is killed are lost (at most one interval's worth)."""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request

from .extensions import db
from .front_cache import FrontCache
from .services import analytics_store
from .services.analytics_count import Tally

KEY = "sitemaker.analytics"


class Analytics:
    def __init__(self, app: Flask):
        config = app.config
        self.app = app
        self.interval = float(config["ANALYTICS_FLUSH_SECONDS"])
        self.top_n = int(config["ANALYTICS_TOP_N"])
        self.keep_days = config.get("ANALYTICS_RETENTION_DAYS")
        self.tally = Tally(
            self._salt_for, config["SESSION_COOKIE_NAME"], int(config["ANALYTICS_MAX_KEYS"])
        )
        self._thread: threading.Thread | None = None
        self._forgotten = None  # the day whose predecessors' hashes this process deleted
        self._wake = threading.Event()

    def front_hit(self, environ: dict[str, Any], site_name: str, headers) -> None:
        """The front cache's hook for a 200 GET it answered itself."""
        for name, value in headers:
            if name == "Content-Type":
                self.count(environ, site_name, value)
                return

    def count(self, environ: dict[str, Any], site_name: str, content_type: str) -> None:
        try:
            if self._thread is None:
                self._start()
            self.tally.count(environ, site_name, content_type)
        except Exception as error:  # a view is never worth a failed page
            self.app.logger.warning("page view not counted: %s", error)

    def _salt_for(self, day):
        if has_app_context() and current_app._get_current_object() is self.app:
            # In a request (the Flask path): its own session and connection, not a second one.
            return analytics_store.salt_for(day)
        with self.app.app_context():
            try:
                return analytics_store.salt_for(day)
            finally:
                db.session.remove()

    def flush(self) -> int:
        """Write what this process counted; returns the views written (0 when idle)."""
        batch = self.tally.take()
        today = self.tally.today()
        if not batch:
            if self._forgotten is None:
                self._forgotten = today
            elif self._forgotten != today:  # a new day: yesterday's salt goes, even unvisited
                self._forget(today)
            return 0
        with self.app.app_context():
            try:
                analytics_store.apply(batch, self.top_n)
                analytics_store.forget_before(today)
                analytics_store.apply_retention(today, self.keep_days)
                db.session.commit()
                self._forgotten = today
            except Exception as error:  # counts may be lost, the process goes on
                db.session.rollback()
                self.app.logger.warning("page views lost (%s): %s", sum_views(batch), error)
                return 0
            finally:
                db.session.remove()
        if batch.dropped:
            self.app.logger.warning("page-view tally full: %s entries dropped", batch.dropped)
        return sum_views(batch)

    def _forget(self, today) -> None:
        with self.app.app_context():
            try:
                analytics_store.forget_before(today)
                db.session.commit()
                self._forgotten = today
            except Exception as error:
                db.session.rollback()
                self.app.logger.warning("yesterday's visitor hashes not deleted yet: %s", error)
            finally:
                db.session.remove()

    def after_fork(self) -> None:
        self.tally.after_fork()
        self._thread = None
        self._wake = threading.Event()

    def _start(self) -> None:
        # Only a weak reference: an app that is gone (tests build many) ends its thread.
        ref = weakref.ref(self)
        thread = threading.Thread(target=_flush_loop, args=(ref, self._wake), daemon=True)
        self._thread = thread
        thread.start()
        atexit.register(_flush_at_exit, ref)


def sum_views(batch) -> int:
    return sum(views for views, _ in batch.totals.values())


def _flush_loop(ref: weakref.ref, wake: threading.Event) -> None:
    while True:
        owner = ref()
        if owner is None or owner._wake is not wake:
            return
        interval = owner.interval
        del owner
        wake.wait(interval)
        owner = ref()
        if owner is None:
            return
        owner.flush()
        del owner


def _flush_at_exit(ref: weakref.ref) -> None:
    owner = ref()
    if owner is not None:
        owner.flush()


def count_flask_view(response: Response) -> Response:
    """Visitor pages Flask served itself (front-cache misses, and every page without it)."""
    if (
        response.status_code == 200
        and request.method == "GET"
        and request.blueprint == "site"
        and g.get("site_name")
    ):
        current_app.extensions[KEY].count(request.environ, g.site_name, response.mimetype)
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("ANALYTICS_ENABLED"):
        return
    analytics = app.extensions[KEY] = Analytics(app)
    app.after_request(count_flask_view)
    layer = app.wsgi_app
    while layer is not None:
        if isinstance(layer, FrontCache):
            layer.on_page = analytics.front_hit
        layer = getattr(layer, "app", None)


def after_fork(app: Flask) -> None:
    analytics = app.extensions.get(KEY)
    if analytics is not None:
        analytics.after_fork()
