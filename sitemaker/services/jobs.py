"""The one door to background work: `enqueue(job, *args, **kwargs)`.

A job is a plain function in `services/` that takes ids and plain values (never ORM objects or
request state), is safe to run twice, and ends quietly, with a logged reason, when its input is
bad (a row gone, a damaged file). It raises only for what a retry may cure (SMTP down, the
database dropped); those runs are retried with backoff (JOBS_RETRY_INTERVALS).

Commit first, run after: a job enqueued while the session holds uncommitted writes waits for
the commit and is dropped if the transaction rolls back; a job enqueued with nothing to commit
goes at once. Where it goes:
- REDIS_URL set: an RQ queue, taken by `flask worker` processes on any machine (jobs_worker);
  if Redis cannot be reached, the job runs in this process instead (logged), so nothing is lost.
- no REDIS_URL (development, `make run`): this process runs it right after the commit, in a
  background thread (JOBS_EMBEDDED = "thread"), or in the committing thread ("sync", tests).
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db

_PENDING = "sitemaker.pending_jobs"
_WROTE = "sitemaker.transaction_wrote"
_AFTER_REQUEST = "sitemaker_jobs_after_request"


@dataclass(frozen=True)
class Call:
    """One job to run: the function's dotted path, its arguments, and its id."""

    func: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    description: str = ""


def path_of(job: Callable[..., Any]) -> str:
    return f"{job.__module__}.{job.__qualname__}"


def enqueue(job: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Run job(*args, **kwargs) in the background once the current transaction has committed
    (at once when it has nothing to commit). Returns the job's id. `description=` (popped)
    names it for operators in /ops instead of its arguments, which may hold secrets."""
    description = kwargs.pop("description", "") or path_of(job).rsplit(".", 1)[-1]
    call = Call(path_of(job), args, kwargs, description=description)
    session = db.session()
    if _has_uncommitted_writes(session):
        session.info.setdefault(_PENDING, []).append(call)
    else:
        dispatch(current_app._get_current_object(), [call])
    return call.id


def _has_uncommitted_writes(session: Session) -> bool:
    if not session.in_transaction():
        return False
    if session.info.get(_WROTE) or session.new or session.deleted:
        return True
    return any(session.is_modified(obj) for obj in session.dirty)


def dispatch(app: Flask, calls: list[Call]) -> None:
    if app.config.get("REDIS_URL"):
        from . import jobs_queue

        for call in calls:
            if not jobs_queue.push(app, call):
                app.logger.warning(
                    "Redis unavailable: job %s (%s) runs in this process", call.id, call
                )
                embedded(app).submit(call)
        return
    runner = embedded(app)
    for call in calls:
        runner.submit(call)


def run(call: Call) -> Any:
    """Run one job in the current app context (the embedded runner and the RQ worker alike)."""
    from importlib import import_module

    module, _, name = call.func.rpartition(".")
    function = getattr(import_module(module), name)
    return function(*call.args, **call.kwargs)


class EmbeddedRunner:
    """Runs jobs in this process, each in a fresh app context (its own database session, like
    a worker's). "thread": one background thread per process takes them in order, so a request
    never waits for one; a failed run is tried again after the next JOBS_RETRY_INTERVALS delay.
    A job queued during a request is handed over when the request has made its response, so
    its work never competes with the request it came from (which would show in the request's
    time, e.g. /reset for a known address). "sync": at once, in the thread that committed; a
    failure is logged and not retried."""

    def __init__(self, app: Flask):
        self.app = app
        self.mode = app.config.get("JOBS_EMBEDDED", "thread")
        self.intervals = [float(s) for s in app.config.get("JOBS_RETRY_INTERVALS") or []]
        self.queue: queue.Queue[tuple[Call, int]] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.exit_hook = False

    def submit(self, call: Call, attempt: int = 0) -> None:
        if self.mode == "sync":
            self.perform(call, attempt, retry=False)
            return
        if has_request_context() and attempt == 0:
            g.setdefault(_AFTER_REQUEST, []).append(call)
            return
        self._start_thread()
        self.queue.put((call, attempt))

    def release_after_request(self, error: BaseException | None = None) -> None:
        for call in g.pop(_AFTER_REQUEST, []):
            self._start_thread()
            self.queue.put((call, 0))

    def _start_thread(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="sitemaker-jobs", daemon=True
                )
                self.thread.start()
                if not self.exit_hook:
                    # A `flask` command or a stopping server gives queued jobs time to run.
                    atexit.register(self.wait_idle, 60.0)
                    self.exit_hook = True

    def _loop(self) -> None:
        while True:
            call, attempt = self.queue.get()
            try:
                self.perform(call, attempt, retry=True)
            finally:
                self.queue.task_done()

    def perform(self, call: Call, attempt: int, retry: bool) -> None:
        with self.app.app_context():
            try:
                run(call)
            except Exception:
                db.session.rollback()
                if retry and attempt < len(self.intervals):
                    delay = self.intervals[attempt]
                    self.app.logger.warning(
                        "job %s failed; retry in %ss", call.description, delay, exc_info=True
                    )
                    timer = threading.Timer(delay, self.submit, (call, attempt + 1))
                    timer.daemon = True
                    timer.start()
                else:
                    self.app.logger.error(
                        "job %s (%s) failed for good", call.description, call.id, exc_info=True
                    )

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every job handed to the thread so far has run (tests, process exit).
        False if `timeout` seconds passed first."""
        if timeout is None:
            self.queue.join()
            return True
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def embedded(app: Flask | None = None) -> EmbeddedRunner:
    app = app or current_app._get_current_object()
    return app.extensions["sitemaker.jobs"]


def _note_writes(session: Session, flush_context: Any) -> None:
    session.info[_WROTE] = True


def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released; the real commit is to come
        return
    calls = session.info.pop(_PENDING, None)
    session.info.pop(_WROTE, None)
    if calls and has_app_context():
        dispatch(current_app._get_current_object(), calls)


def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    # Fires after after_commit on a commit (nothing left then), and alone on a rollback or
    # a close without commit: the jobs of a transaction that did not commit never run.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_WROTE, None)


_LISTENERS = (
    ("after_flush", _note_writes),
    ("after_commit", _dispatch_after_commit),
    ("after_transaction_end", _drop_uncommitted),
)


def init_app(app: Flask) -> None:
    runner = EmbeddedRunner(app)
    app.extensions["sitemaker.jobs"] = runner
    app.teardown_request(runner.release_after_request)
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
