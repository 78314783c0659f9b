"""The front of the page cache: finished visitor responses kept in each app process and
answered before Flask sees the request.

A page-cache response (services/http_cache.py) that was built under a known site-version
counter offers itself here with a ticket in the WSGI environ. The front keeps its status,
headers (security headers included: they are what Flask produced) and body, keyed by scheme,
host, path and query string, and answers the next GET or HEAD for that key itself, 304s
included, for as long as:
- the site-version board still shows the ticket's counter (any commit that changes the site's
  row moves it, in every process: services/site_versions.py),
- no scheduled item of the site has fallen due since (the ticket says when the next one does),
- the entry is younger than PAGE_CACHE_SECONDS.
Anything else, including every request that is not a plain visitor page, goes to Flask
untouched. Responses that set a cookie or vary by a request header are never kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.http import remove_entity_headers

from .services.http_cache import FRONT_TICKET, FrontTicket, answers_not_modified
from .services.site_versions import Board

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# What an entry costs besides its body: the key, the headers, the bookkeeping.
ENTRY_OVERHEAD = 1024


@dataclass(slots=True)
class Entry:
    ticket: FrontTicket
    expires: float
    status: str
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD


class FrontCache:
    def __init__(
        self, app: WSGIApp, board: Board, max_entries: int, max_bytes: int, max_age: float
    ):
        self.app = app
        self.board = board
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._entries: OrderedDict[tuple[str, str, str, str], Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the development server and gthread workers share it
        self.clock = time.time  # POSIX seconds; tests move it to make scheduled items due
        # Told of each 200 GET answered here: (environ, site name, headers); sitemaker/analytics.py
        self.on_page: Callable[[dict[str, Any], str, list[tuple[str, str]]], None] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        key = (
            environ["wsgi.url_scheme"],
            environ.get("HTTP_HOST", "").lower(),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
        entry = self._entries.get(key)
        if entry is not None:
            if self._fresh(entry):
                try:  # least recently used goes first; a racing eviction may have taken it
                    self._entries.move_to_end(key)
                except KeyError:
                    pass
                return self._answer(entry, environ, method, start_response)
            self._drop(key, entry)
        if method == "GET":
            return self._fill(key, environ, start_response)
        return self.app(environ, start_response)

    def __len__(self) -> int:
        return len(self._entries)

    def after_fork(self) -> None:
        """A new process starts empty, with a lock of its own (sitemaker/forking.py)."""
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _fresh(self, entry: Entry) -> bool:
        now = self.clock()
        ticket = entry.ticket
        if now >= entry.expires or (ticket.valid_until is not None and now >= ticket.valid_until):
            return False
        return self.board.read(ticket.name) == ticket.tag

    def _answer(self, entry: Entry, environ: dict[str, Any], method: str, start_response):
        ticket = entry.ticket
        if answers_not_modified(
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            ticket.etag,
            ticket.last_modified,
        ):
            start_response("304 NOT MODIFIED", list(entry.not_modified_headers))
            return []
        start_response(entry.status, list(entry.headers))
        if method != "GET":
            return []
        if self.on_page is not None:
            self.on_page(environ, ticket.name, entry.headers)
        return [entry.body]

    def _fill(self, key: tuple[str, str, str, str], environ: dict[str, Any], start_response):
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        ticket = environ.get(FRONT_TICKET)
        if ticket is None or not captured or not captured[0].startswith("200 "):
            return result
        status, headers = captured
        if not _storable(headers):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._store(key, Entry(ticket, self.clock() + self.max_age, status, list(headers),
                               _not_modified_headers(headers), body))  # fmt: skip
        return [body]

    def _store(self, key: tuple[str, str, str, str], entry: Entry) -> None:
        if entry.size > self.max_bytes // 8:  # one huge page must not empty the cache
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    def _drop(self, key: tuple[str, str, str, str], entry: Entry) -> None:
        with self._lock:
            if self._entries.get(key) is entry:
                del self._entries[key]
                self._bytes -= entry.size


def _storable(headers: list[tuple[str, str]]) -> bool:
    return not any(name.lower() in ("set-cookie", "vary") for name, _ in headers)


def _not_modified_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = list(headers)
    remove_entity_headers(kept)  # what werkzeug leaves out of Flask's own 304s
    return kept
