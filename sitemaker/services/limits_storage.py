"""Rate-limit counters shared by every process on this host when there is no Redis.

`limits` keeps counters in memory (one set per gunicorn worker, so a limit of 5 allowed 5 per
worker), Redis, Memcached or MongoDB; none of them is a file. This is a `limits` storage backed
by a SQLite file (in /dev/shm for a server database, next to the database file for SQLite),
registered as `sitemaker-sqlite://<path>`: every worker and every `flask` command on the host
counts in the same rows. Each hit is one atomic UPSERT (the fixed-window strategy, the
limiter's default, needs nothing more). With REDIS_URL the counters live in Redis instead,
shared by every app server.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask
from limits.storage import Storage

SCHEME = "sitemaker-sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER, expires REAL)"
# One statement: a counter whose window has passed starts again from this hit.
_INCR = """
INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires <= :now THEN :amount ELSE value + :amount END,
    expires = CASE WHEN expires <= :now THEN :expires ELSE expires END
RETURNING value
"""


class SQLiteFileStorage(Storage):
    STORAGE_SCHEME = [SCHEME]
    # Expired rows are removed now and then, so the file stays as small as the live counters.
    sweep_every = 1000

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").split("://", 1)[1]
        if not self.path:
            raise ValueError(f"{SCHEME}:// needs a file path, e.g. {SCHEME}:///run/limits.sqlite")
        self._local = threading.local()
        self._hits = 0
        self._connection()  # fail at start, not on the first limited request

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per process and thread: SQLite connections survive neither a fork
        # (gunicorn --preload) nor sharing between threads.
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 without following links: in a shared directory, nobody else's file.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            owner = os.fstat(fd).st_uid
        finally:
            os.close(fd)
        if owner != os.geteuid() and os.geteuid() != 0:
            raise PermissionError(f"{self.path} belongs to another user (uid {owner})")
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # counters, not records: a crash may lose a few
        conn.execute(_SCHEMA)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._connection()
        params = {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        (value,) = conn.execute(_INCR, params).fetchone()
        self._hits += 1
        if self._hits % self.sweep_every == 0:
            conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(value)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        return self._connection().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))


def default_path(database_url: str) -> str | None:
    """Next to a SQLite database file; in /dev/shm (named after the database URL, so every
    process of one installation shares it) for a server database; None for :memory:."""
    if database_url.startswith("sqlite"):
        database = database_url.split(":///", 1)[1] if ":///" in database_url else ""
        if not database or database == ":memory:":
            return None
        return f"{database}-limits"
    shm = "/dev/shm"  # noqa: S108 (opened without following links, 0600, owner checked)
    folder = shm if os.path.isdir(shm) else tempfile.gettempdir()
    name = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return os.path.join(folder, f"sitemaker-limits-{name}.sqlite")


def init_app(app: Flask) -> None:
    """Choose the limiter's storage when none is configured (RATELIMIT_STORAGE_URI = None):
    Redis with REDIS_URL, otherwise this host's shared file."""
    config = app.config
    if config.get("RATELIMIT_STORAGE_URI"):
        return
    if config.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
        return
    path = config.get("RATELIMIT_FILE") or default_path(str(config["SQLALCHEMY_DATABASE_URI"]))
    if path is None:
        config["RATELIMIT_STORAGE_URI"] = "memory://"
        return
    try:
        SQLiteFileStorage(f"{SCHEME}://{path}")
    except (OSError, sqlite3.Error) as error:
        # Like the site-version board: a file that cannot be used (another user's, a full
        # disk) must not stop the app; limits then count per process, and the log says so.
        app.logger.warning("rate limits counted per process: %s unusable (%s)", path, error)
        config["RATELIMIT_STORAGE_URI"] = "memory://"
        return
    config["RATELIMIT_STORAGE_URI"] = f"{SCHEME}://{path}"
