"""The site-version board: a counter per site name that moves after every committed change to
the site's row, readable by every app process without asking the database.

Every change a visitor can see bumps the site's content_version (or changes another column of
its row) in the same transaction, so "the row changed" is the one signal the visitor path
needs. A session hook notes which sites' rows a flush wrote and, once the transaction has
committed, moves the counters of every name they answer to (subdomain and custom domain, old
and new). A visitor request reads the counter of the name it was addressed to *before* it
reads anything from the database; what it builds from that read is tagged with the counter
and reused only while the counter still has that value. A counter moved after a commit
therefore makes the very next request in any process read afresh.

Two boards:
- shared memory (no REDIS_URL): a memory-mapped file per database on this host, so every
  gunicorn worker and every `flask` command on the host sees the same counters. A read is a
  memory load; a bump takes a file lock.
- Redis (REDIS_URL set, several app servers): counters are Redis keys; each process keeps
  what it has read and learns of bumps by push, with a writer that waits until every
  process trusting its copy has applied the bump (services/redis_board.py). A read is a
  memory load, or one MGET while a process cannot prove its copy current.
A board that cannot be opened answers None to every read, which makes the visitor path read
the site's row on every request, as it would without a board.

Slots are shared by hash (CRC-32 of the name modulo the slot count): two names in one slot
only cost each other a few extra reads, never a stale page. Slot 0 moves for everything at once (a bulk
UPDATE of sites, `flask site-versions bump --all`).
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import secrets
import struct
import tempfile
import time
import zlib
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Delete, Update

from ..models import Site
from .domains import alternate
from .redis_board import RedisBoard

SLOTS = 1 << 16
_COUNTER = struct.Struct("<Q")
_TOUCHED = "sitemaker.touched_sites"
EVERYTHING = ""  # the name that stands for every site: slot 0


class Board(Protocol):
    def read(self, name: str) -> Hashable | None: ...

    def bump(self, names: Iterable[str]) -> None: ...

    def after_fork(self) -> None: ...


class SharedMemoryBoard:
    """Counters in a memory-mapped file of little-endian 64-bit words: the file's epoch (random,
    written when the file is made), then slot 0 ("everything"), then the SLOTS name slots.

    The file can vanish under running processes (someone cleans /dev/shm; systemd's RemoveIPC
    when a non-system user's last session ends), and the next writer then makes a new one. So
    a process checks, at most once a second, that its path still names the file it mapped, and
    follows it if not; and every tag holds the epoch, so counters that start over in a new file
    never match a tag taken from the old one."""

    recheck_seconds = 1.0

    def __init__(self, path: str | None):
        self.path = path
        self._checked = time.monotonic()
        self._open()

    def _open(self) -> None:
        size = (SLOTS + 2) * _COUNTER.size
        if self.path is None:  # an in-memory database: nobody else can write it
            self._fd, self._identity = -1, None
            self._map = mmap.mmap(-1, size)
            _COUNTER.pack_into(self._map, 0, _new_epoch())
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            status = os.fstat(fd)
            if status.st_uid != os.geteuid() and os.geteuid() != 0:
                # In a shared directory someone else's file could wind counters back.
                raise PermissionError(f"{self.path} belongs to another user (uid {status.st_uid})")
            with _locked(fd):
                if os.fstat(fd).st_size < size:
                    os.ftruncate(fd, size)  # sparse: untouched slots cost no memory
                board = mmap.mmap(fd, size)
                if _COUNTER.unpack_from(board, 0)[0] == 0:
                    _COUNTER.pack_into(board, 0, _new_epoch())
        except BaseException:
            os.close(fd)
            raise
        old_fd = getattr(self, "_fd", -1)
        # The old map is left to the garbage collector: a request may still be reading it.
        self._fd, self._map, self._identity = fd, board, (status.st_dev, status.st_ino)
        if old_fd >= 0:
            os.close(old_fd)

    def after_fork(self) -> None:
        """A descriptor and a mapping of this process's own (sitemaker/forking.py)."""
        if self.path is not None:
            self._open()

    def _follow(self) -> None:
        """Map the file the path names now, if it is not the one mapped."""
        if self.path is None:
            return
        try:
            status = os.stat(self.path, follow_symlinks=False)
            if (status.st_dev, status.st_ino) == self._identity:
                return
        except FileNotFoundError:
            pass
        try:
            self._open()
        except OSError as error:
            current_app.logger.warning("site-version board %s: %s", self.path, error)

    def read(self, name: str) -> tuple[int, int, int]:
        now = time.monotonic()
        if now - self._checked >= self.recheck_seconds:
            self._checked = now
            self._follow()
        board, unpack, size = self._map, _COUNTER.unpack_from, _COUNTER.size
        return (unpack(board, 0)[0], unpack(board, size)[0],
                unpack(board, (_slot(name) + 1) * size)[0])  # fmt: skip

    def bump(self, names: Iterable[str]) -> None:
        offsets = {(_slot(name) + 1) * _COUNTER.size for name in names}
        if not offsets:
            return
        self._follow()
        # Read-increment-write under a lock: two writers must never both write n + 1.
        with _locked(self._fd):
            for offset in offsets:
                value = _COUNTER.unpack_from(self._map, offset)[0] + 1
                _COUNTER.pack_into(self._map, offset, value)


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fd < 0:
        yield
        return
    fcntl.lockf(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.lockf(fd, fcntl.LOCK_UN)


def _new_epoch() -> int:
    return secrets.randbits(63) | 1  # never 0, which marks a file not yet initialised


class NoBoard:
    """Every read is 'unknown': visitor requests read the site's row every time."""

    def read(self, name: str) -> None:
        return None

    def bump(self, names: Iterable[str]) -> None:
        return None

    def after_fork(self) -> None:
        return None


def _slot(name: str) -> int:
    if name == EVERYTHING:
        return 0
    return 1 + zlib.crc32(name.encode()) % SLOTS


def _namespace(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


def default_board_path(database_url: str) -> str | None:
    """Next to a SQLite file (like its -wal and -shm files); in /dev/shm for a server database,
    named after its URL so that every process on this host using that database shares it."""
    if database_url.startswith("sqlite"):
        database = database_url.split(":///", 1)[1] if ":///" in database_url else ""
        if not database or database == ":memory:":
            return None
        return f"{database}-versions"
    # A shared directory is safe here: the file is opened without following links, created
    # 0600, and refused when another user owns it (SharedMemoryBoard).
    shm = "/dev/shm"  # noqa: S108
    folder = shm if os.path.isdir(shm) else tempfile.gettempdir()
    return os.path.join(folder, f"sitemaker-site-versions-{_namespace(database_url)}")


def open_board(app: Flask) -> Board:
    config = app.config
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    if config.get("REDIS_URL"):
        return RedisBoard(config["REDIS_URL"], _namespace(url), _slot)
    path = config.get("SITE_VERSIONS_FILE") or default_board_path(url)
    try:
        return SharedMemoryBoard(path)
    except OSError as error:
        app.logger.warning(
            "site-version board %s unavailable (%s): visitor pages read the database on "
            "every request",
            path,
            error,
        )
        return NoBoard()


def board(app: Flask | None = None) -> Board:
    return (app or current_app).extensions["sitemaker.site_versions"]


def bump_everything(app: Flask | None = None) -> None:
    """For changes made outside the app (SQL typed into psql, a restored backup)."""
    board(app).bump([EVERYTHING])


def names_of(site: Site) -> set[str]:
    """Every host name the site answers or answered to before this flush: its subdomain, and
    its custom domain with the www/apex partner that redirects to it."""
    names: set[str] = set()
    state = sa.inspect(site)
    for attribute in ("subdomain", "custom_domain"):
        history = state.attrs[attribute].history
        for value in chain(history.added, history.unchanged, history.deleted):
            if value:
                names.add(str(value).lower())
                if attribute == "custom_domain":
                    names.add(alternate(str(value).lower()))
    return names


def _note_flushed_sites(session: Session, flush_context: Any) -> None:
    touched = session.info.setdefault(_TOUCHED, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Site):
            touched.update(names_of(obj))


def _note_bulk_site_writes(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, Update | Delete) and statement.table.name == Site.__tablename__:
        state.session.info.setdefault(_TOUCHED, set()).add(EVERYTHING)


def _bump_after_commit(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched and has_app_context():
        extension = current_app.extensions.get("sitemaker.site_versions")
        if extension is not None:
            extension.bump(touched)


# A rolled-back transaction keeps its noted sites: they are bumped with the session's next
# commit, if any. An extra bump only costs a read; a missing one would serve a stale page.
_LISTENERS = (
    ("after_flush", _note_flushed_sites),
    ("do_orm_execute", _note_bulk_site_writes),
    ("after_commit", _bump_after_commit),
)


def init_app(app: Flask) -> None:
    app.extensions["sitemaker.site_versions"] = open_board(app)
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
